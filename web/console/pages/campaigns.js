// Campaigns: what is running or coming (积分翻倍日), and a form to schedule a new one.
import { actionForm } from '../lib/action-form.js';
import { badge, h, noticeArea, table, when } from '../lib/dom.js';

export default {
  id: 'campaigns',
  title: 'Campaigns',
  needs: ['GET /campaigns', 'POST /admin/campaigns'],
  async render(ctx) {
    const notice = noticeArea();
    const listing = h('div', {});
    async function list() {
      const page = await ctx.api.get('/campaigns', { limit: 100 });
      listing.replaceChildren(
        table(
          [
            ['campaign', (c) => c.campaignId],
            ['name', (c) => c.name],
            ['multiplier', (c) => `×${c.multiplier}`],
            ['kinds', (c) => c.kinds.join(', ')],
            ['categories', (c) => (c.categories ? c.categories.join(', ') : 'all')],
            ['starts', (c) => when(c.startsAt)],
            ['ends', (c) => when(c.endsAt)],
            ['status', (c) => badge(c.status)],
          ],
          page.items,
          { empty: 'No campaign running or coming.' },
        ),
      );
    }
    const now = new Date().toISOString();
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    ctx.el.append(
      notice.el,
      h('p', { class: 'muted' }, 'Overlapping campaigns do not stack: the highest multiplier applies. Earn and sign-in see a new one within the rules cache interval.'),
      h('div', { class: 'card' }, listing),
      actionForm(ctx, {
        routeKey: 'POST /admin/campaigns',
        title: 'New campaign',
        value: { name: '积分翻倍日', multiplier: 2, startsAt: now, endsAt: tomorrow, kinds: ['PURCHASE'] },
        submitLabel: 'Schedule campaign',
        send: (body) => ctx.api.call('POST', '/admin/campaigns', { body }),
        done: (campaign) => {
          notice.ok(`Scheduled ${campaign.campaignId} (${campaign.status})`);
          list();
        },
      }),
    );
    await list();
  },
};

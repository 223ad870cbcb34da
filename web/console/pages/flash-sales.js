// Flash sales: what is on, coming and over, and a form to start a new one.
import { actionForm } from '../lib/action-form.js';
import { badge, h, noticeArea, points, table, when } from '../lib/dom.js';

export default {
  id: 'flash-sales',
  title: 'Flash sales',
  needs: ['GET /flash-sales', 'POST /admin/flash-sales'],
  async render(ctx) {
    const notice = noticeArea();
    const listing = h('div', {});
    async function list() {
      const page = await ctx.api.get('/flash-sales', { limit: 50 });
      listing.replaceChildren(
        table(
          [
            ['sale', (s) => s.saleId],
            ['product', (s) => `${s.name} (${s.sku})`],
            ['points', (s) => points(s.pointsPrice)],
            ['left', (s) => points(s.stockLeft)],
            ['starts', (s) => when(s.startsAt)],
            ['ends', (s) => when(s.endsAt)],
            ['status', (s) => badge(s.status)],
          ],
          page.items,
          { empty: 'No flash sales yet.' },
        ),
      );
    }
    const soon = new Date(Date.now() + 60 * 1000).toISOString();
    const later = new Date(Date.now() + 2 * 3600 * 1000).toISOString();
    ctx.el.append(
      notice.el,
      h('div', { class: 'card' }, listing),
      actionForm(ctx, {
        routeKey: 'POST /admin/flash-sales',
        title: 'New flash sale',
        value: { startsAt: soon, endsAt: later, stock: 10 },
        submitLabel: 'Create sale',
        send: (body) => ctx.api.call('POST', '/admin/flash-sales', { body }),
        done: (sale) => {
          notice.ok(`Created ${sale.saleId} (${sale.status})`);
          list();
        },
      }),
    );
    await list();
  },
};

// Service clients: the merchant's back ends get 2-hour service tokens with a client id and secret
// (POST /auth/token). The secret is shown once, here, when the client is created; revoking a client
// stops its tokens within the rules-cache interval.
import { actionForm } from '../lib/action-form.js';
import { badge, h, noticeArea, table, when } from '../lib/dom.js';

export default {
  id: 'clients',
  title: 'Service clients',
  needs: ['GET /admin/clients', 'POST /admin/clients', 'DELETE /admin/clients/{clientId}'],
  async render(ctx) {
    const notice = noticeArea();
    const secret = h('div', {});
    const listing = h('div', {});
    async function list() {
      const page = await ctx.api.get('/admin/clients', { limit: 100 });
      listing.replaceChildren(
        table(
          [
            ['client', (c) => h('code', { 'data-client': c.clientId }, c.clientId)],
            ['name', (c) => c.name],
            ['status', (c) => badge(c.status)],
            ['created', (c) => `${when(c.createdAt)} by ${c.createdBy}`],
            ['revoked', (c) => when(c.revokedAt)],
            ['', (c) => (c.status === 'ACTIVE'
              ? h('button', {
                  onclick: async () => {
                    if (!window.confirm(`Revoke ${c.name} (${c.clientId})? Its tokens stop working within 30 s.`)) return;
                    try {
                      await ctx.api.call('DELETE', `/admin/clients/${encodeURIComponent(c.clientId)}`);
                      notice.ok(`Revoked ${c.clientId}`);
                      secret.replaceChildren();
                      list();
                    } catch (err) {
                      notice.error(err);
                    }
                  },
                }, 'Revoke')
              : '')],
          ],
          page.items,
          { empty: 'No service clients yet.' },
        ),
      );
    }
    ctx.el.append(
      notice.el,
      secret,
      h('div', { class: 'card' }, listing),
      actionForm(ctx, {
        routeKey: 'POST /admin/clients',
        title: 'New service client',
        submitLabel: 'Create client',
        send: (body) => ctx.api.call('POST', '/admin/clients', { body }),
        done: (created) => {
          notice.ok(`Created ${created.clientId} for ${created.name}`);
          secret.replaceChildren(h('div', { class: 'card', id: 'client-secret' },
            h('h3', {}, 'Client secret (shown once)'),
            h('p', {}, 'Give these to the back end now: only a hash of the secret is kept.'),
            h('p', {}, 'clientId ', h('code', {}, created.clientId)),
            h('p', {}, 'clientSecret ', h('code', { 'data-secret': '' }, created.clientSecret))));
          list();
        },
      }),
    );
    await list();
  },
};

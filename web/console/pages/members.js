// Members: look one up, read the ledger, adjust points, freeze or unfreeze, see their orders.
import { actionForm } from '../lib/action-form.js';
import { newKey } from '../lib/api.js';
import { h, noticeArea, points, table, when } from '../lib/dom.js';
import { cell, pagedTable } from '../lib/listing.js';
import { hasRoute } from '../lib/openapi.js';

export default {
  id: 'members',
  title: 'Members',
  needs: ['GET /admin/members/{memberId}'],
  async render(ctx) {
    const notice = noticeArea();
    const memberId = h('input', { name: 'memberId', placeholder: 'member id', size: 30 });
    const panel = h('div', {});
    const lookup = h('form', {
      class: 'card row',
      onsubmit: (event) => {
        event.preventDefault();
        notice.clear();
        if (memberId.value.trim()) open(memberId.value.trim()).catch(notice.error);
      },
    }, h('label', { class: 'field' }, h('span', { class: 'name' }, 'Member'), memberId), h('button', { type: 'submit', class: 'primary' }, 'Look up'));
    ctx.el.append(notice.el, lookup, panel);

    async function open(id) {
      const path = `/admin/members/${encodeURIComponent(id)}`;
      const profile = await ctx.api.get(path);
      const reload = () => open(id).catch(notice.error);
      // One key per adjustment the operator makes: a double submit or a retry of the same one replays.
      let adjustKey = newKey();
      panel.replaceChildren(
        h('div', { class: 'card', 'data-member': profile.memberId },
          h('h3', {}, profile.memberId, ' ', profile.frozen ? cell('status', 'FROZEN') : ''),
          h('div', { class: 'big' }, points(profile.balance)),
          h('p', {}, `Tier ${profile.tier.name} · lifetime earned ${points(profile.lifetimeEarned)}`,
            profile.nextTier ? ` · ${points(profile.nextTier.pointsNeeded)} to ${profile.nextTier.name}` : ''),
          h('p', {}, `Sign-in streak ${profile.signIn.streak}${profile.signIn.signedInToday ? ' (signed in today)' : ''}`),
          profile.frozen ? h('p', {}, `Frozen: ${profile.frozenReason || '—'}`) : '',
          table([['expiring', (e) => points(e.points)], ['at', (e) => when(e.expiresAt)]], profile.expiring || [], { empty: 'No points expiring.' }),
        ),
        actionForm(ctx, {
          routeKey: 'POST /admin/members/{memberId}/adjust',
          title: 'Adjust points',
          submitLabel: 'Adjust',
          send: (body) => ctx.api.call('POST', `${path}/adjust`, { body, idempotencyKey: adjustKey }),
          done: (result) => {
            adjustKey = newKey();
            notice.ok(`Adjusted ${result.delta > 0 ? '+' : ''}${result.delta}: balance ${result.balance}`);
            reload();
          },
        }),
        actionForm(ctx, {
          routeKey: `POST /admin/members/{memberId}/${profile.frozen ? 'unfreeze' : 'freeze'}`,
          title: profile.frozen ? 'Unfreeze' : 'Freeze',
          submitLabel: profile.frozen ? 'Unfreeze' : 'Freeze',
          send: (body) => ctx.api.call('POST', `${path}/${profile.frozen ? 'unfreeze' : 'freeze'}`, { body }),
          done: () => reload(),
        }),
        hasRoute(ctx.doc, 'GET /admin/members/{memberId}/ledger')
          ? h('div', { class: 'card' }, h('h3', {}, 'Ledger'), pagedTable(ctx, {
              path: `${path}/ledger`,
              columns: ['createdAt', 'type', 'source', 'delta', 'balanceAfter', 'note', 'ref'].map((f) => [f, (e) => cell(f, e[f])]),
              empty: 'No ledger entries.',
            }))
          : '',
        hasRoute(ctx.doc, 'GET /admin/orders')
          ? h('div', { class: 'card' }, h('h3', {}, 'Orders'), pagedTable(ctx, {
              path: '/admin/orders',
              query: { memberId: profile.memberId },
              columns: ['orderId', 'sku', 'quantity', 'pointsSpent', 'status', 'createdAt'].map((f) => [f, (o) => cell(f, o[f])]),
              empty: 'No orders.',
            }))
          : '',
      );
    }

    const wanted = new URLSearchParams(location.hash.split('?')[1] || '').get('id');
    if (wanted) {
      memberId.value = wanted;
      await open(wanted);
    }
  },
};

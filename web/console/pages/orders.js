// Orders: the fulfilment queue (confirmed orders waiting to ship), shipping and completing, the review
// queue (approve or reject high-value redemptions), cash refunds.
import { actionForm } from '../lib/action-form.js';
import { badge, h, noticeArea, points, table, when, yuan } from '../lib/dom.js';
import { newKey } from '../lib/api.js';
import { hasRoute } from '../lib/openapi.js';

const STATUSES = ['CONFIRMED', 'SHIPPED', 'PENDING_PAYMENT', 'COMPLETED', 'CANCELLED'];
const REVIEW = 'PENDING_REVIEW';

export function orderActions(ctx, order, { notice, changed }) {
  const act = async (path, body) => {
    try {
      const updated = await ctx.api.call('POST', path, { body });
      notice.ok(`${updated.orderId} is now ${updated.status}`);
      changed(updated);
    } catch (err) {
      notice.error(err);
    }
  };
  const id = encodeURIComponent(order.orderId);
  if (order.status === 'CONFIRMED') {
    return h('button', { class: 'primary', onclick: () => changed({ ...order, shipping: true }) }, 'Ship…');
  }
  if (order.status === 'SHIPPED') return h('button', { onclick: () => act(`/admin/orders/${id}/complete`) }, 'Complete');
  if (order.status === REVIEW && hasRoute(ctx.doc, 'POST /admin/orders/{orderId}/approve')) {
    return h('span', {},
      h('button', { class: 'primary', onclick: () => act(`/admin/orders/${id}/approve`) }, 'Approve'), ' ',
      h('button', { onclick: () => changed({ ...order, rejecting: true }) }, 'Reject…'));
  }
  return '';
}

function shipForm(ctx, orderId, { notice, changed }) {
  return actionForm(ctx, {
    routeKey: 'POST /admin/orders/{orderId}/ship',
    title: `Ship ${orderId}`,
    submitLabel: 'Ship',
    send: (body) => ctx.api.call('POST', `/admin/orders/${encodeURIComponent(orderId)}/ship`, { body }),
    done: (order) => {
      notice.ok(`${order.orderId} is now ${order.status}`);
      changed(order);
    },
  });
}

// Rejecting cancels the order: the member's points and the stock come back; the reason goes to the audit log.
function rejectForm(ctx, orderId, { notice, changed }) {
  return actionForm(ctx, {
    routeKey: 'POST /admin/orders/{orderId}/reject',
    title: `Reject ${orderId}`,
    submitLabel: 'Reject',
    send: (body) => ctx.api.call('POST', `/admin/orders/${encodeURIComponent(orderId)}/reject`, { body }),
    done: (order) => {
      notice.ok(`${order.orderId} is now ${order.status}: points refunded`);
      changed(order);
    },
  });
}

const orderColumns = (ctx, hooks) => [
  ['order', (o) => o.orderId],
  ['product', (o) => `${o.name || ''} (${o.sku}) × ${o.quantity}`],
  ['member', (o) => o.memberId || '—'],
  ['points', (o) => points(o.pointsSpent)],
  ['cash', (o) => yuan(o.cashDueFen)],
  ['created', (o) => when(o.createdAt)],
  ['status', (o) => badge(o.status)],
  ['shipping', (o) => (o.trackingNo ? `${o.carrier} ${o.trackingNo}` : o.address || '—')],
  ['', (o) => orderActions(ctx, o, hooks)],
];

export default {
  id: 'orders',
  title: 'Orders',
  needs: ['POST /admin/orders/{orderId}/ship', 'POST /admin/orders/{orderId}/complete'],
  async render(ctx) {
    const notice = noticeArea();
    const detail = h('div', {});
    const listing = h('div', {});
    const canList = hasRoute(ctx.doc, 'GET /admin/orders');
    const canGet = hasRoute(ctx.doc, 'GET /admin/orders/{orderId}');
    let status = 'CONFIRMED';
    // The queue is read from an index, which may lag a write by a moment: an order changed here leaves
    // its old tab at once.
    const moved = new Map();

    const hooks = {
      notice,
      changed: (order) => {
        const form = order.shipping ? shipForm : order.rejecting ? rejectForm : null;
        detail.replaceChildren(form ? form(ctx, order.orderId, hooks) : '');
        if (form) return;
        moved.set(order.orderId, order.status);
        refresh();
        if (!canList) show(order);
      },
    };
    const tabStatuses = hasRoute(ctx.doc, 'POST /admin/orders/{orderId}/approve') ? [REVIEW, ...STATUSES] : STATUSES;

    function show(order) {
      listing.replaceChildren(table(orderColumns(ctx, hooks), [order]));
    }

    async function refresh() {
      if (!canList) return;
      const page = await ctx.api.get('/admin/orders', { status, limit: 50 });
      listing.replaceChildren(
        table(orderColumns(ctx, hooks), page.items.filter((o) => (moved.get(o.orderId) || o.status) === status), {
          empty: status === 'CONFIRMED' ? 'Nothing waiting to ship.' : status === REVIEW ? 'Nothing waiting for review.' : `No ${status} orders.`,
        }),
      );
    }

    const orderId = h('input', { name: 'orderId', placeholder: 'order id', size: 36 });
    const open = h('form', {
      class: 'row',
      onsubmit: async (event) => {
        event.preventDefault();
        const id = orderId.value.trim();
        if (!id) return;
        if (canGet) {
          try {
            show(await ctx.api.get(`/admin/orders/${encodeURIComponent(id)}`));
          } catch (err) {
            notice.error(err);
          }
        } else {
          detail.replaceChildren(shipForm(ctx, id, hooks), h('button', { onclick: () => ctx.api.call('POST', `/admin/orders/${encodeURIComponent(id)}/complete`).then(hooks.changed, notice.error) }, `Complete ${id}`));
        }
      },
    }, orderId, h('button', { type: 'submit' }, 'Open order'));

    const tabs = canList
      ? h('div', { class: 'row', role: 'tablist' }, tabStatuses.map((s) => h('button', {
          role: 'tab',
          'data-status': s,
          class: s === status ? 'primary' : '',
          onclick: (event) => {
            status = s;
            for (const b of event.target.parentNode.children) b.className = b.dataset.status === s ? 'primary' : '';
            refresh();
          },
        }, s === 'CONFIRMED' ? 'To ship' : s === REVIEW ? 'To review' : s)))
      : h('p', { class: 'muted' }, 'This API has no order list for admins yet: open an order by its id.');

    ctx.el.append(notice.el, h('div', { class: 'card' }, tabs, open, listing), detail);
    if (hasRoute(ctx.doc, 'GET /admin/refunds')) ctx.el.append(refunds(ctx, notice));
    await refresh();
  },
};

// Cash refunds for cancelled orders whose cash part was paid: confirmed once the payment side refunded.
function refunds(ctx, notice) {
  const el = h('div', { class: 'card' }, h('h3', {}, 'Cash refunds waiting'));
  const body = h('div', {});
  el.append(body);
  async function load() {
    const page = await ctx.api.get('/admin/refunds', { status: 'PENDING', limit: 50 });
    body.replaceChildren(
      table(
        [
          ['order', (o) => o.orderId],
          ['amount', (o) => yuan(o.cashRefund?.amountFen)],
          ['payment', (o) => o.cashRefund?.transactionId || '—'],
          ['', (o) => actionForm(ctx, {
            routeKey: 'POST /admin/orders/{orderId}/cash-refund',
            submitLabel: 'Refunded',
            send: (b) => ctx.api.call('POST', `/admin/orders/${encodeURIComponent(o.orderId)}/cash-refund`, { body: b, idempotencyKey: newKey() }),
            done: (order) => {
              notice.ok(`${order.orderId}: cash refund ${order.cashRefund?.status}`);
              load();
            },
          })],
        ],
        page.items,
        { empty: 'No cash refunds waiting.' },
      ),
    );
  }
  load().catch(notice.error);
  return el;
}

// The audit log: every admin action, newest first. Appears once the API has GET /admin/audit; its
// columns come from the route's response schema.
import { h } from '../lib/dom.js';
import { columnsFromSchema, pagedTable } from '../lib/listing.js';

export default {
  id: 'audit',
  title: 'Audit log',
  needs: ['GET /admin/audit'],
  async render(ctx) {
    const memberId = h('input', { name: 'memberId', placeholder: 'member id (optional)' });
    const body = h('div', {});
    const load = async () => {
      const list = pagedTable(ctx, {
        path: '/admin/audit',
        query: { memberId: memberId.value.trim() },
        columns: columnsFromSchema(ctx.doc, 'GET /admin/audit'),
        empty: 'No admin actions recorded.',
      });
      body.replaceChildren(list);
      await list.ready;
    };
    ctx.el.append(
      h('form', { class: 'card row', onsubmit: (e) => { e.preventDefault(); load(); } }, memberId, h('button', { type: 'submit' }, 'Filter')),
      h('div', { class: 'card' }, body),
    );
    await load();
  },
};

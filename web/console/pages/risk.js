// Risk control: members frozen automatically (RISK_AUTO_FREEZE), newest first, with the limit they
// crossed. Unfreezing is done on the Members page after a review. Appears once the API has the route.
import { h } from '../lib/dom.js';
import { columnsFromSchema, pagedTable } from '../lib/listing.js';

export default {
  id: 'risk',
  title: 'Risk events',
  needs: ['GET /admin/risk/events'],
  async render(ctx) {
    const list = pagedTable(ctx, {
      path: '/admin/risk/events',
      columns: columnsFromSchema(ctx.doc, 'GET /admin/risk/events'),
      empty: 'No member has been frozen by risk control.',
    });
    ctx.el.append(h('div', { class: 'card' }, list));
    await list.ready;
  },
};

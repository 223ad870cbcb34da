// Rules: the whole rules document as a form built from the API's schema; errors shown by field.
import { actionForm } from '../lib/action-form.js';
import { h } from '../lib/dom.js';
import { requestSchema } from '../lib/openapi.js';

export default {
  id: 'rules',
  title: 'Rules',
  needs: ['GET /admin/rules', 'PUT /admin/rules'],
  async render(ctx) {
    const current = await ctx.api.get('/admin/rules');
    const accepts = requestSchema(ctx.doc, 'PUT /admin/rules')?.properties || {};
    ctx.el.append(
      h('p', { class: 'muted' }, 'Changes take effect within the rules cache interval (30 s deployed, 1 s locally).'),
      actionForm(ctx, {
        routeKey: 'PUT /admin/rules',
        value: current,
        submitLabel: 'Save rules',
        // Send back the version we read, when the API versions the document, so a concurrent change is
        // a VERSION_CONFLICT rather than silently overwritten.
        send: (body) => ctx.api.call('PUT', '/admin/rules', { body: 'version' in accepts && current.version !== undefined ? { ...body, version: current.version } : body }),
        done: () => ctx.rerender(),
      }),
    );
  },
};

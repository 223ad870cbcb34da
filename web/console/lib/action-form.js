// A card holding a schema form and its submit button: validates against the API's schema first, then
// sends; a 400 from the API is shown field by field, any other refusal as a notice with its code.
import { h, noticeArea } from './dom.js';
import { requestSchema } from './openapi.js';
import { schemaForm } from './schema-form.js';

/**
 * actionForm(ctx, {routeKey: 'PUT /admin/rules', title, value, submitLabel, send: body => Promise, done: result => void})
 */
export function actionForm(ctx, { routeKey, title, value = {}, submitLabel = 'Save', send, done = () => {}, extra = null }) {
  const schema = requestSchema(ctx.doc, routeKey);
  const notice = noticeArea();
  if (!schema) return h('div', { class: 'card' }, h('p', { class: 'muted' }, `${routeKey} is not in this API.`));
  const form = schemaForm(ctx.doc, schema, { value });
  const button = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const el = h(
    'form',
    {
      class: 'card',
      'data-route': routeKey,
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        notice.clear();
        const errors = form.validate();
        if (errors.length) {
          notice.error(`Check the marked fields (${errors.length})`);
          return;
        }
        button.disabled = true;
        try {
          const result = await send(form.read());
          form.clearErrors();
          notice.ok('Saved');
          done(result);
        } catch (err) {
          const unplaced = form.showServerError(err);
          if (err.code === 'VALIDATION_ERROR' && !unplaced.length) notice.error('The API refused some fields (marked)');
          else notice.error(err);
        } finally {
          button.disabled = false;
        }
      },
    },
    title ? h('h3', {}, title) : null,
    notice.el,
    extra,
    form.el,
    button,
  );
  return el;
}

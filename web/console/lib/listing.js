// A paged list (items + nextCursor, as every list in this API answers) shown as a table with "More".
import { badge, h, table, when } from './dom.js';
import { operation, resolve } from './openapi.js';

/** Columns for a list route from its response schema: one per field of an item. */
export function columnsFromSchema(doc, routeKey) {
  const ok = operation(doc, routeKey)?.responses?.['200']?.content?.['application/json']?.schema;
  const page = resolve(doc, ok);
  const item = resolve(doc, page?.properties?.items?.items);
  return Object.keys(item?.properties || {}).map((name) => [name, (row) => cell(name, row[name])]);
}

export function cell(name, value) {
  if (value === null || value === undefined) return '—';
  if (name === 'status' || name === 'type') return badge(String(value));
  if (/At$/.test(name) && typeof value === 'string') return when(value);
  if (typeof value === 'object') return h('code', {}, JSON.stringify(value));
  return String(value);
}

/**
 * pagedTable(ctx, {path: '/admin/audit', query: {memberId}, columns, empty}) -> element; loads the first
 * page at once and the next one on "More".
 */
export function pagedTable(ctx, { path, query = {}, columns, empty, limit = 20 }) {
  const el = h('div', { class: 'paged' });
  const rows = [];
  let cursor = null;
  const more = h('button', { onclick: () => load() }, 'More');
  async function load() {
    const page = await ctx.api.get(path, { ...query, limit, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor;
    el.replaceChildren(table(columns, rows, { empty }), cursor ? more : '');
  }
  el.ready = load().catch((err) => el.replaceChildren(h('div', { class: 'notice error' }, `${err.code || 'ERROR'}: ${err.message}`)));
  return el;
}

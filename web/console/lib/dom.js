// The console's only view helper: build elements from plain data, no framework.

/**
 * h('button', {class: 'primary', onclick}, 'Save') -> <button class="primary">Save</button>
 * Props starting with "on" become listeners; null/false children are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key in el && key !== 'list') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** A table of rows; columns are [heading, row => cell content]. */
export function table(columns, rows, { empty = 'Nothing here yet.' } = {}) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, columns.map(([name]) => h('th', {}, name)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(row)))))),
  );
}

export const badge = (text) => h('span', { class: `badge ${text}` }, text);

/** A notice line that replaces itself: notice.ok('Saved'), notice.error(err). */
export function noticeArea() {
  const el = h('div', {});
  const show = (kind, text) => el.replaceChildren(h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text));
  return {
    el,
    ok: (text) => show('ok', text),
    error: (err) => show('error', err && err.code ? `${err.code}: ${err.message}` : String(err?.message || err)),
    clear: () => el.replaceChildren(),
  };
}

export const points = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'));
export const yuan = (fen) => (fen ? `¥${(fen / 100).toFixed(2)}` : '—');
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

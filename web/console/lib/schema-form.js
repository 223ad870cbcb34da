// A form built from a request schema of the API's OpenAPI document, so the console never restates
// what the API accepts: the fields, their types, limits and choices all come from the server's models.
// validate() checks the same constraints before sending; showServerError() puts the API's 400 message
// ("tiers.1.multiplier: Input should be greater than 0; ...") next to the fields it names.

import { h } from './dom.js';
import { resolve } from './openapi.js';

const label = (name, schema) => schema.title && schema.title.toLowerCase() !== name.toLowerCase() ? schema.title : name;

/** The non-null branch of `anyOf: [X, {type: null}]`, and whether null is allowed. */
function unwrapNullable(doc, schema) {
  const branches = schema.anyOf || [];
  const nonNull = branches.filter((s) => s.type !== 'null');
  if (branches.length && nonNull.length === 1 && nonNull.length < branches.length) {
    return { schema: { ...resolve(doc, nonNull[0]), title: schema.title, description: schema.description }, nullable: true };
  }
  return { schema, nullable: false };
}

function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(text) {
  if (!text) return '';
  const d = new Date(text); // the browser's time zone, sent with its offset
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${text.length === 16 ? `${text}:00` : text}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** Checks one value against its (resolved) schema; returns [[path, message]]. */
export function check(doc, rawSchema, value, path = '') {
  const { schema, nullable } = unwrapNullable(doc, resolve(doc, rawSchema));
  const at = (msg) => [[path || 'body', msg]];
  if (value === null || value === undefined || value === '') return nullable || value === undefined ? [] : at('required');
  if (schema.oneOf && schema.discriminator) {
    const branch = schema.discriminator.mapping[value[schema.discriminator.propertyName]];
    return branch ? check(doc, { $ref: branch }, value, path) : at(`choose one of ${Object.keys(schema.discriminator.mapping).join(', ')}`);
  }
  if (schema.enum && !schema.enum.includes(value)) return at(`one of ${schema.enum.join(', ')}`);
  if (schema.const !== undefined && value !== schema.const) return at(`must be ${schema.const}`);
  switch (schema.type) {
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || Number.isNaN(value)) return at('a number');
      if (schema.type === 'integer' && !Number.isInteger(value)) return at('a whole number');
      if (schema.minimum !== undefined && value < schema.minimum) return at(`at least ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) return at(`at most ${schema.maximum}`);
      if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return at(`more than ${schema.exclusiveMinimum}`);
      return [];
    }
    case 'string': {
      if (schema.minLength && value.length < schema.minLength) return at(schema.minLength === 1 ? 'required' : `at least ${schema.minLength} characters`);
      if (schema.maxLength && value.length > schema.maxLength) return at(`at most ${schema.maxLength} characters`);
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) return at(schema.description || `must match ${schema.pattern}`);
      return [];
    }
    case 'array': {
      const errors = [];
      if (schema.minItems && value.length < schema.minItems) errors.push([path, `at least ${schema.minItems} item(s)`]);
      if (schema.maxItems && value.length > schema.maxItems) errors.push([path, `at most ${schema.maxItems} items`]);
      value.forEach((item, i) => errors.push(...check(doc, schema.items, item, `${path}.${i}`)));
      return errors;
    }
    case 'object': {
      const errors = [];
      for (const name of schema.required || []) {
        if (value[name] === undefined || value[name] === '') errors.push([join(path, name), 'required']);
      }
      for (const [name, sub] of Object.entries(schema.properties || {})) {
        if (value[name] !== undefined && value[name] !== '') errors.push(...check(doc, sub, value[name], join(path, name)));
      }
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        for (const [key, item] of Object.entries(value)) errors.push(...check(doc, schema.additionalProperties, item, join(path, key)));
      }
      return errors;
    }
    default:
      return [];
  }
}

const join = (path, name) => (path ? `${path}.${name}` : name);

/**
 * schemaForm(doc, schema, {value, hide: ['sku'], fixed: {status: 'ON_SHELF'}})
 * -> {el, read(), validate(), showErrors([[path, msg]]), showServerError(err)}
 */
export function schemaForm(doc, schema, { value = {}, hide = [] } = {}) {
  const slots = new Map(); // path -> {box, note}: where a field's error goes

  function slot(path, box) {
    const note = h('span', { class: 'field-error' });
    box.append(note);
    slots.set(path, { box, note });
    return box;
  }

  // Each widget: {el, read()}; read() returns undefined for "left empty".
  function widget(rawSchema, path, name, current) {
    const { schema, nullable } = unwrapNullable(doc, resolve(doc, rawSchema));
    const title = label(name, schema);
    const hint = schema.description ? h('span', { class: 'muted' }, schema.description) : null;

    if (schema.oneOf && schema.discriminator) return variantWidget(schema, path, title, current);
    if (schema.type === 'object' && schema.properties) {
      const children = Object.entries(schema.properties).map(([prop, sub]) => [prop, widget(sub, join(path, prop), prop, current?.[prop])]);
      const box = h('fieldset', { 'data-path': path }, h('legend', {}, title), children.map(([, w]) => w.el));
      slot(path, box);
      return {
        el: box,
        read: () => Object.fromEntries(children.map(([prop, w]) => [prop, w.read()]).filter(([, v]) => v !== undefined)),
      };
    }
    if (schema.type === 'object' && schema.additionalProperties) return mapWidget(schema, path, title, current || {});
    if (schema.type === 'array' && resolve(doc, schema.items).type === 'object') return listWidget(schema, path, title, current || []);

    let input;
    let read;
    const enumValues = schema.enum || (schema.const !== undefined ? [schema.const] : null);
    if (enumValues) {
      input = h('select', { name: path }, nullable || current === undefined ? h('option', { value: '' }, '—') : null, enumValues.map((v) => h('option', { value: v, selected: v === current }, v)));
      read = () => input.value || (nullable ? null : undefined);
    } else if (schema.type === 'boolean') {
      input = h('input', { type: 'checkbox', name: path, checked: Boolean(current) });
      read = () => input.checked;
    } else if (schema.type === 'integer' || schema.type === 'number') {
      input = h('input', { type: 'number', name: path, step: schema.type === 'integer' ? '1' : 'any', value: current ?? '' });
      read = () => (input.value === '' ? (nullable ? null : undefined) : Number(input.value));
    } else if (schema.type === 'array') {
      // A list of numbers or words: comma separated is quicker to edit than one box per item.
      const itemType = resolve(doc, schema.items).type;
      input = h('input', { name: path, value: (current || []).join(', '), size: 40 });
      read = () => {
        const parts = input.value.split(',').map((s) => s.trim()).filter(Boolean);
        return itemType === 'integer' || itemType === 'number' ? parts.map(Number) : parts;
      };
    } else if (schema.format === 'date-time') {
      input = h('input', { type: 'datetime-local', name: path, value: toLocalInput(current) });
      read = () => (input.value ? fromLocalInput(input.value) : nullable ? null : undefined);
    } else {
      input = h('input', { name: path, value: current ?? '', size: 30, maxlength: schema.maxLength });
      read = () => (input.value === '' ? (nullable ? null : undefined) : input.value);
    }
    const box = h('label', { class: 'field', 'data-path': path }, h('span', { class: 'name' }, title), input, hint);
    slot(path, box);
    if (hide.includes(path)) box.hidden = true;
    return { el: box, read };
  }

  function variantWidget(schema, path, title, current) {
    const key = schema.discriminator.propertyName;
    const choices = Object.entries(schema.discriminator.mapping);
    const picker = h('select', { name: join(path, key) }, choices.map(([choice]) => h('option', { value: choice, selected: choice === current?.[key] }, choice)));
    const body = h('div', {});
    let inner;
    const render = () => {
      const branch = resolve(doc, { $ref: schema.discriminator.mapping[picker.value] });
      const props = Object.entries(branch.properties || {}).filter(([prop]) => prop !== key);
      inner = props.map(([prop, sub]) => [prop, widget(sub, join(path, prop), prop, current?.[prop])]);
      body.replaceChildren(...inner.map(([, w]) => w.el));
    };
    picker.addEventListener('change', render);
    render();
    const box = h('fieldset', { 'data-path': path }, h('legend', {}, title), h('label', { class: 'field' }, h('span', { class: 'name' }, key), picker), body);
    slot(path, box);
    return {
      el: box,
      read: () => ({ [key]: picker.value, ...Object.fromEntries(inner.map(([prop, w]) => [prop, w.read()]).filter(([, v]) => v !== undefined)) }),
    };
  }

  function listWidget(schema, path, title, current) {
    const rows = [];
    const list = h('div', {});
    const add = (item) => {
      const index = rows.length;
      const w = widget(schema.items, `${path}.${index}`, `${title} ${index + 1}`, item);
      const row = { w, el: h('div', {}, w.el) };
      row.el.append(h('button', { type: 'button', onclick: () => { rows.splice(rows.indexOf(row), 1); row.el.remove(); } }, 'Remove'));
      rows.push(row);
      list.append(row.el);
    };
    current.forEach(add);
    const box = h('fieldset', { 'data-path': path }, h('legend', {}, title), list, h('button', { type: 'button', onclick: () => add({}) }, `Add ${title.toLowerCase()}`));
    slot(path, box);
    return { el: box, read: () => rows.map((r) => r.w.read()) };
  }

  function mapWidget(schema, path, title, current) {
    const rows = [];
    const list = h('div', {});
    const add = (key = '', val = '') => {
      const k = h('input', { value: key, placeholder: 'key', size: 14 });
      const v = h('input', { type: 'number', step: 'any', value: val, placeholder: 'value', size: 8 });
      const row = { k, v, el: h('div', { class: 'row' }, k, v) };
      row.el.append(h('button', { type: 'button', onclick: () => { rows.splice(rows.indexOf(row), 1); row.el.remove(); } }, 'Remove'));
      rows.push(row);
      list.append(row.el);
    };
    Object.entries(current).forEach(([k, v]) => add(k, v));
    const box = h('fieldset', { 'data-path': path }, h('legend', {}, title), list, h('button', { type: 'button', onclick: () => add() }, 'Add'));
    slot(path, box);
    return { el: box, read: () => Object.fromEntries(rows.filter((r) => r.k.value.trim()).map((r) => [r.k.value.trim(), r.v.value === '' ? '' : Number(r.v.value)])) };
  }

  const root = widget(schema, '', '', value);
  root.el.classList.add('schema-form');
  const legend = root.el.querySelector(':scope > legend');
  if (legend && !legend.textContent) legend.remove();

  function clearErrors() {
    for (const { box, note } of slots.values()) {
      note.textContent = '';
      box.classList.remove('invalid');
    }
  }

  /** errors: [[path, message]]; a path the form does not show lands on the nearest enclosing field. */
  function showErrors(errors) {
    clearErrors();
    const unplaced = [];
    for (const [path, message] of errors) {
      let target = path.split('.').filter((part) => !/^[A-Z_]+$/.test(part) || slots.has(part)).join('.');
      while (target && !slots.has(target)) target = target.includes('.') ? target.slice(0, target.lastIndexOf('.')) : '';
      const place = slots.get(target);
      if (!place || !target) {
        unplaced.push(`${path}: ${message}`);
        continue;
      }
      place.box.classList.add('invalid');
      place.note.textContent = place.note.textContent ? `${place.note.textContent}; ${message}` : message;
    }
    return unplaced;
  }

  return {
    el: root.el,
    read: () => root.read(),
    validate() {
      const errors = check(doc, schema, root.read());
      showErrors(errors);
      return errors;
    },
    showErrors,
    clearErrors,
    /** The API's VALIDATION_ERROR message, split back into fields; returns what no field could take. */
    showServerError(err) {
      if (err?.code !== 'VALIDATION_ERROR') return [err?.message || String(err)];
      const errors = err.message.split('; ').map((part) => {
        const at = part.indexOf(': ');
        return at > 0 ? [part.slice(0, at), part.slice(at + 2)] : ['body', part];
      });
      return showErrors(errors);
    },
  };
}

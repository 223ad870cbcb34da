// Products: the list, a form per product (name, prices, stock, shelf status), one-click shelf changes.
import { actionForm } from '../lib/action-form.js';
import { badge, h, noticeArea, points, table, yuan } from '../lib/dom.js';
import { hasRoute } from '../lib/openapi.js';

// GET /products lists only what is on the shelf; until the API lists every product for admins, products
// this browser took off the shelf are remembered here so they can be put back.
const OFF_SHELF_KEY = 'pointsMallConsoleOffShelf';
const remembered = () => JSON.parse(sessionStorage.getItem(OFF_SHELF_KEY) || '{}');
function remember(product) {
  const saved = remembered();
  if (product.status === 'OFF_SHELF') saved[product.sku] = product;
  else delete saved[product.sku];
  sessionStorage.setItem(OFF_SHELF_KEY, JSON.stringify(saved));
}

const BODY_FIELDS = ['name', 'category', 'type', 'pointsPrice', 'cashPriceFen', 'stock', 'status', 'minTier', 'perMemberLimit'];
const bodyOf = (product) => Object.fromEntries(BODY_FIELDS.map((f) => [f, product[f] ?? null]).filter(([, v]) => v !== null));

export default {
  id: 'products',
  title: 'Products',
  needs: ['PUT /admin/products/{sku}', 'GET /products'],
  async render(ctx) {
    const adminList = hasRoute(ctx.doc, 'GET /admin/products');
    const notice = noticeArea();
    const editor = h('div', {});
    const save = async (sku, body) => {
      const saved = await ctx.api.call('PUT', `/admin/products/${encodeURIComponent(sku)}`, { body });
      remember(saved);
      return saved;
    };

    const openEditor = (product) => {
      const sku = h('input', { name: 'sku', value: product?.sku || '', required: true, readOnly: Boolean(product) });
      editor.replaceChildren(
        actionForm(ctx, {
          routeKey: 'PUT /admin/products/{sku}',
          title: product ? `Edit ${product.sku}` : 'New product',
          value: product ? bodyOf(product) : { type: 'PHYSICAL', status: 'ON_SHELF', cashPriceFen: 0 },
          extra: h('label', { class: 'field' }, h('span', { class: 'name' }, 'sku'), sku),
          send: (body) => {
            if (!sku.value.trim()) throw Object.assign(new Error('sku: required'), { code: 'VALIDATION_ERROR', message: 'sku: required' });
            return save(sku.value.trim(), body);
          },
          done: (saved) => {
            notice.ok(`Saved ${saved.sku}: ${saved.status}, stock ${saved.stock}`);
            list();
          },
        }),
      );
      editor.scrollIntoView?.();
    };

    const shelfButton = (product) => {
      const status = product.status || 'ON_SHELF';
      const target = status === 'ON_SHELF' ? 'OFF_SHELF' : 'ON_SHELF';
      return h('button', {
        onclick: async () => {
          try {
            await save(product.sku, { ...bodyOf(product), status: target });
            notice.ok(`${product.sku} is now ${target}`);
            list();
          } catch (err) {
            notice.error(err);
          }
        },
      }, target === 'OFF_SHELF' ? 'Take off shelf' : 'Put on shelf');
    };

    const listing = h('div', {});
    async function list() {
      const page = await ctx.api.get(adminList ? '/admin/products' : '/products', { limit: 100 });
      const bySku = new Map(page.items.map((p) => [p.sku, { status: 'ON_SHELF', ...p }]));
      if (!adminList) for (const [sku, p] of Object.entries(remembered())) if (!bySku.has(sku)) bySku.set(sku, p);
      const rows = [...bySku.values()].sort((a, b) => a.sku.localeCompare(b.sku));
      listing.replaceChildren(
        table(
          [
            ['sku', (p) => p.sku],
            ['name', (p) => p.name],
            ['category', (p) => p.category],
            ['type', (p) => p.type],
            ['points', (p) => points(p.pointsPrice)],
            ['cash', (p) => yuan(p.cashPriceFen)],
            ['stock', (p) => points(p.stock)],
            ['status', (p) => badge(p.status)],
            ['', (p) => h('span', { class: 'row' }, h('button', { onclick: () => openEditor(p) }, 'Edit'), shelfButton(p))],
          ],
          rows,
          { empty: 'No products yet: add one.' },
        ),
        page.nextCursor ? h('p', { class: 'muted' }, 'Showing the first 100.') : '',
        adminList ? '' : h('p', { class: 'muted' }, 'Lists products on the shelf (and those taken off in this browser).'),
      );
    }

    ctx.el.append(
      notice.el,
      h('div', { class: 'row' }, h('button', { class: 'primary', onclick: () => openEditor(null) }, 'New product')),
      h('div', { class: 'card' }, listing),
      editor,
    );
    await list();
  },
};

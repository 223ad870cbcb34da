// Lucky draws: the list, a draw's prizes with their stock and chance now, and a form to put a draw.
import { actionForm } from '../lib/action-form.js';
import { badge, h, noticeArea, points, table, when } from '../lib/dom.js';

const PRIZE_FIELDS = ['prizeId', 'kind', 'points', 'sku', 'weight', 'stock'];
const bodyOf = (draw) => ({
  name: draw.name,
  costPoints: draw.costPoints,
  startsAt: draw.startsAt,
  endsAt: draw.endsAt,
  prizes: draw.prizes.map((p) => Object.fromEntries(PRIZE_FIELDS.map((f) => [f, p[f]]).filter(([, v]) => v !== null))),
});

export default {
  id: 'draws',
  title: 'Lucky draws',
  needs: ['GET /draws', 'GET /draws/{drawId}', 'PUT /admin/draws/{drawId}'],
  async render(ctx) {
    const notice = noticeArea();
    const listing = h('div', {});
    const detail = h('div', {});
    const editor = h('div', {});

    const show = async (drawId) => {
      const draw = await ctx.api.get(`/draws/${encodeURIComponent(drawId)}`);
      detail.replaceChildren(
        h(
          'div',
          { class: 'card', 'data-draw': draw.drawId },
          h('h3', {}, `${draw.name} (${draw.drawId}): ${points(draw.costPoints)} points a spin`),
          table(
            [
              ['prize', (p) => p.prizeId],
              ['kind', (p) => p.kind],
              ['what', (p) => (p.kind === 'POINTS' ? `${points(p.points)} points` : p.kind === 'PRODUCT' ? `${p.name} (${p.sku})` : '—')],
              ['weight', (p) => p.weight],
              ['stock', (p) => points(p.stock)],
              ['left', (p) => points(p.stockLeft)],
              ['chance now', (p) => `${(p.probability * 100).toFixed(2)}%`],
            ],
            draw.prizes,
          ),
          h('button', { onclick: () => openEditor(draw) }, 'Edit'),
        ),
      );
    };

    const openEditor = (draw) => {
      const drawId = h('input', { name: 'drawId', value: draw?.drawId || '', required: true, readOnly: Boolean(draw) });
      const soon = new Date().toISOString();
      const later = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
      editor.replaceChildren(
        actionForm(ctx, {
          routeKey: 'PUT /admin/draws/{drawId}',
          title: draw ? `Edit ${draw.drawId}` : 'New lucky draw',
          value: draw
            ? bodyOf(draw)
            : {
                name: '双十一转盘',
                costPoints: 10,
                startsAt: soon,
                endsAt: later,
                prizes: [
                  { prizeId: 'p100', kind: 'POINTS', points: 100, weight: 10 },
                  { prizeId: 'thanks', kind: 'NOTHING', weight: 90 },
                ],
              },
          extra: h('label', { class: 'field' }, h('span', { class: 'name' }, 'drawId'), drawId),
          submitLabel: 'Save draw',
          send: (body) => {
            const id = drawId.value.trim();
            if (!id) throw Object.assign(new Error('drawId: required'), { code: 'VALIDATION_ERROR', message: 'drawId: required' });
            return ctx.api.call('PUT', `/admin/draws/${encodeURIComponent(id)}`, { body });
          },
          done: (saved) => {
            notice.ok(`Saved ${saved.drawId} (${saved.status})`);
            list();
            show(saved.drawId);
          },
        }),
      );
    };

    async function list() {
      const page = await ctx.api.get('/draws', { limit: 100 });
      listing.replaceChildren(
        table(
          [
            ['draw', (d) => d.drawId],
            ['name', (d) => d.name],
            ['cost', (d) => points(d.costPoints)],
            ['starts', (d) => when(d.startsAt)],
            ['ends', (d) => when(d.endsAt)],
            ['status', (d) => badge(d.status)],
            ['', (d) => h('button', { onclick: () => show(d.drawId) }, 'Prizes')],
          ],
          page.items,
          { empty: 'No lucky draws yet.' },
        ),
      );
    }

    ctx.el.append(
      notice.el,
      h('div', { class: 'row' }, h('button', { class: 'primary', onclick: () => openEditor(null) }, 'New lucky draw')),
      h('div', { class: 'card' }, listing),
      detail,
      editor,
    );
    await list();
  },
};

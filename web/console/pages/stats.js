// Statistics: points issued, redeemed and expired per day, and the outstanding liability.
import { h, points, table } from '../lib/dom.js';

const day = (d) => d.toLocaleDateString('en-CA'); // YYYY-MM-DD in the browser's zone

export default {
  id: 'stats',
  title: 'Statistics',
  needs: ['GET /admin/stats'],
  async render(ctx) {
    const to = h('input', { type: 'date', name: 'to', value: day(new Date()) });
    const from = h('input', { type: 'date', name: 'from', value: day(new Date(Date.now() - 13 * 86400000)) });
    const body = h('div', {});
    const form = h('form', {
      class: 'card row',
      onsubmit: (event) => {
        event.preventDefault();
        load();
      },
    }, h('label', { class: 'field' }, h('span', { class: 'name' }, 'from'), from), h('label', { class: 'field' }, h('span', { class: 'name' }, 'to'), to), h('button', { type: 'submit' }, 'Show'));
    ctx.el.append(form, body);
    let chart;

    async function load() {
      const stats = await ctx.api.get('/admin/stats', { from: from.value, to: to.value });
      const canvas = h('canvas', { id: 'stats-chart', height: 110 });
      body.replaceChildren(
        h('div', { class: 'card' }, h('span', { class: 'muted' }, 'Outstanding liability (points all members hold now)'), h('div', { class: 'big', id: 'outstanding' }, points(stats.outstanding))),
        h('div', { class: 'card' }, canvas),
        h('div', { class: 'card' }, table(
          ['date', 'issued', 'redeemed', 'expired', 'refunded', 'reversed', 'signIns', 'orders'].map((f) => [f, (d) => (f === 'date' ? d.date : points(d[f]))]),
          [...stats.days].reverse(),
        )),
      );
      chart?.destroy();
      if (!window.Chart) return; // the chart library did not load; the table above has the numbers
      chart = new window.Chart(canvas, {
        type: 'bar',
        data: {
          labels: stats.days.map((d) => d.date),
          datasets: [
            { label: 'issued', data: stats.days.map((d) => d.issued), backgroundColor: '#fa8c16' },
            { label: 'redeemed', data: stats.days.map((d) => d.redeemed), backgroundColor: '#1677ff' },
            { label: 'expired', data: stats.days.map((d) => d.expired), backgroundColor: '#bfbfbf' },
          ],
        },
        options: { animation: false, responsive: true, plugins: { title: { display: true, text: 'Points per day' } } },
      });
    }
    await load();
  },
};

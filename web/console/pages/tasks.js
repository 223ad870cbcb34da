// Tasks with progress (阶梯任务, 周任务): every defined task, member segments, and a form to put a task.
import { actionForm } from '../lib/action-form.js';
import { hasRoute } from '../lib/openapi.js';
import { h, noticeArea, points, table, when } from '../lib/dom.js';

const FIELDS = ['name', 'event', 'taskKind', 'target', 'period', 'rewardPoints', 'startsAt', 'endsAt'];
const bodyOf = (task) => Object.fromEntries(FIELDS.map((f) => [f, task[f]]).filter(([, v]) => v !== null));

export default {
  id: 'tasks',
  title: 'Tasks',
  needs: ['GET /admin/tasks', 'PUT /admin/tasks/{taskId}'],
  async render(ctx) {
    const notice = noticeArea();
    const listing = h('div', {});
    const editor = h('div', {});
    const segments = h('div', {});

    const openEditor = (task) => {
      const taskId = h('input', { name: 'taskId', value: task?.taskId || '', required: true, readOnly: Boolean(task) });
      editor.replaceChildren(
        actionForm(ctx, {
          routeKey: 'PUT /admin/tasks/{taskId}',
          title: task ? `Edit ${task.taskId}` : 'New task',
          value: task
            ? bodyOf(task)
            : { name: '每周三次问卷', event: 'TASK', taskKind: 'SURVEY', target: 3, period: 'WEEK', rewardPoints: 100 },
          extra: h('label', { class: 'field' }, h('span', { class: 'name' }, 'taskId'), taskId),
          submitLabel: 'Save task',
          send: (body) => {
            const id = taskId.value.trim();
            if (!id) throw Object.assign(new Error('taskId: required'), { code: 'VALIDATION_ERROR', message: 'taskId: required' });
            return ctx.api.call('PUT', `/admin/tasks/${encodeURIComponent(id)}`, { body });
          },
          done: (saved) => {
            notice.ok(`Saved ${saved.taskId}`);
            list();
          },
        }),
      );
    };

    async function list() {
      const page = await ctx.api.get('/admin/tasks', { limit: 100 });
      listing.replaceChildren(
        table(
          [
            ['task', (t) => t.taskId],
            ['name', (t) => t.name],
            ['counts', (t) => (t.taskKind ? `${t.event} (${t.taskKind})` : t.event)],
            ['target', (t) => `${t.target} per ${t.period.toLowerCase()}`],
            ['reward', (t) => `${points(t.rewardPoints)} points`],
            ['starts', (t) => (t.startsAt ? when(t.startsAt) : '—')],
            ['ends', (t) => (t.endsAt ? when(t.endsAt) : '—')],
            ['', (t) => h('button', { onclick: () => openEditor(t) }, 'Edit')],
          ],
          page.items,
          { empty: 'No task defined yet.' },
        ),
      );
    }

    async function showSegments() {
      if (!hasRoute(ctx.doc, 'GET /admin/segments')) return;
      const counts = await ctx.api.get('/admin/segments');
      segments.replaceChildren(
        h('p', {}, `Members on ${counts.asOf}: ${points(counts.NEW)} new, ${points(counts.ACTIVE)} active, ${points(counts.DORMANT)} dormant.`),
      );
    }

    ctx.el.append(
      notice.el,
      h('p', { class: 'muted' }, 'Progress counts a member’s events of the kind in the current period (business days, weeks from Monday); reaching the target pays the reward once per period, outside the daily cap.'),
      h('div', { class: 'card' }, segments),
      h('div', { class: 'card' }, listing),
      h('button', { onclick: () => openEditor(null) }, 'New task'),
      editor,
    );
    await Promise.all([list(), showSegments()]);
    openEditor(null);
  },
};

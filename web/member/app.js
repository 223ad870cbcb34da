// The member demo page: the mini-program's screens in a browser, through the mini-program's own client.
import { createClient, errorText, newActionKey } from '../clients/miniprogram/api/client.js';
import { badge, h, points, table, when, yuan } from '../console/lib/dom.js';
import { browserWx } from './wx-shim.js';

const MEMBER_KEY = 'pointsMallDemoMember';
const app = document.getElementById('app');
const who = document.getElementById('who');
const wx = browserWx({ loginCode: () => sessionStorage.getItem(MEMBER_KEY) && `dev:${sessionStorage.getItem(MEMBER_KEY)}` });
const api = createClient({ baseUrl: location.origin, wx, storageKey: 'pointsMallDemoSession' });
const message = h('div', { id: 'message', role: 'status' });
// One Idempotency-Key per tap, kept while that action has no answer so a retry reuses it.
const pending = new Map();

function say(text, kind = 'ok') {
  message.replaceChildren(h('div', { class: `notice ${kind}` }, text));
}

async function act(actionId, run, describe) {
  if (!pending.has(actionId)) pending.set(actionId, newActionKey());
  let result = null;
  let note;
  try {
    result = await run(pending.get(actionId));
    pending.delete(actionId);
    note = [describe(result), 'ok'];
  } catch (err) {
    if (err.code !== 'NETWORK_ERROR') pending.delete(actionId); // no answer: the retry keeps the key
    note = [errorText(err), 'error'];
  }
  await render(); // the page shows the new balance before it says what happened
  say(...note);
  return result;
}

function loginScreen() {
  who.replaceChildren();
  const memberId = h('input', { name: 'memberId', value: 'demo', size: 16 });
  const inviteCode = h('input', { name: 'inviteCode', size: 10, placeholder: 'optional' });
  app.replaceChildren(
    h('form', {
      class: 'card',
      id: 'login',
      onsubmit: async (event) => {
        event.preventDefault();
        sessionStorage.setItem(MEMBER_KEY, memberId.value.trim());
        try {
          await api.login(undefined, inviteCode.value.trim() || undefined);
          await render();
        } catch (err) {
          say(errorText(err), 'error');
        }
      },
    },
    h('h2', {}, '登录 Log in'),
    h('p', { class: 'muted' }, 'In the mini-program wx.login() identifies the member; here a dev member id does (local stack only). A new id opens a new account.'),
    message,
    h('label', { class: 'field' }, h('span', { class: 'name' }, 'Member id'), memberId),
    h('label', { class: 'field' }, h('span', { class: 'name' }, '邀请码 A friend\'s invite code'), inviteCode),
    h('button', { type: 'submit', class: 'primary' }, '登录 Log in')),
  );
}

function tierProgress(me) {
  if (!me.nextTier) return h('p', {}, `${me.tier.name} · top tier`);
  // With a tier window the tier follows the points earned in it, not the lifetime total.
  const windowed = me.tier.pointsInWindow !== null && me.tier.pointsInWindow !== undefined;
  const standing = windowed ? me.tier.pointsInWindow : me.lifetimeEarned;
  const target = standing + me.nextTier.pointsNeeded;
  const pct = Math.min(100, Math.round((100 * standing) / Math.max(1, target)));
  return h('div', { id: 'tier' },
    h('div', { class: 'tier-line' }, h('span', {}, me.tier.name), h('span', {}, `${points(me.nextTier.pointsNeeded)} more to ${me.nextTier.name}`)),
    h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': pct, 'aria-valuemin': 0, 'aria-valuemax': 100 }, h('div', { style: `width: ${pct}%` })),
    h('div', { class: 'tier-line' }, h('span', {}, `${windowed ? 'in window' : 'lifetime'} ${points(standing)}`), h('span', {}, points(target))));
}

function tasksCard(page) {
  return h('div', { id: 'tasks' },
    h('h3', {}, '任务 Tasks'),
    page.items.length
      ? h('ul', {}, page.items.map((t) => {
        const pct = Math.round((100 * t.progress) / Math.max(1, t.target));
        return h('li', { 'data-task': t.taskId },
          h('div', { class: 'tier-line' }, h('span', {}, t.name), h('span', {}, t.completed ? `已完成 Done · +${points(t.rewardPoints)}` : `${t.progress}/${t.target} · +${points(t.rewardPoints)} 积分`)),
          h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': pct, 'aria-valuemin': 0, 'aria-valuemax': 100 }, h('div', { style: `width: ${pct}%` })),
          t.periodEndsAt ? h('p', { class: 'muted' }, `until ${when(t.periodEndsAt)}`) : '');
      }))
      : h('p', { class: 'muted' }, 'No task running.'));
}

function saleRow(sale, claim) {
  const status = claim ? h('span', { 'data-claim': claim.status }, badge(claim.status), claim.orderId ? ` order ${claim.orderId}` : '', claim.reason ? ` ${claim.reason}` : '') : '';
  const claimButton = h('button', {
    class: 'primary',
    disabled: Boolean(claim && claim.status !== 'FAILED') || sale.status !== 'ACTIVE',
    onclick: () => act(`claim:${sale.saleId}`, (key) => api.claim(sale.saleId, key), (c) => `抢购排队中 Claim ${c.status}`).then((c) => c && watchClaim(sale.saleId)),
  }, '抢 Claim');
  return h('div', { class: 'product', 'data-sale': sale.saleId },
    h('strong', {}, sale.name), h('span', {}, badge(sale.status), ` ${points(sale.stockLeft)} left`),
    h('span', { class: 'price' }, `${points(sale.pointsPrice)} 积分`),
    h('span', { class: 'muted' }, `${when(sale.startsAt)} – ${when(sale.endsAt)}`), claimButton, status);
}

// A claim is settled through a queue: ask again until it is CONFIRMED or FAILED (a few seconds).
async function watchClaim(saleId) {
  for (let i = 0; i < 30; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const claim = await api.myClaim(saleId).catch(() => null);
    if (claim && claim.status !== 'QUEUED') {
      say(claim.status === 'CONFIRMED' ? `抢到了！Claim confirmed: order ${claim.orderId}` : `未抢到 Claim failed: ${claim.reason}`, claim.status === 'CONFIRMED' ? 'ok' : 'error');
      await render();
      return;
    }
  }
}

// The lucky draw and the leaderboard are screens of their own in the mini-program: here they load when
// opened (and stay open across re-renders), so the main screen asks only for what it shows.
const opened = new Set();

function openable(name, title, label, load) {
  const slot = h('div', { class: 'card', id: `${name}-slot` });
  const fill = () => load()
    .then((content) => slot.replaceChildren(content))
    .catch((err) => slot.replaceChildren(h('p', { class: 'notice error' }, errorText(err))));
  if (opened.has(name)) fill();
  else slot.replaceChildren(h('h3', {}, title), h('button', { id: `open-${name}`, onclick: () => { opened.add(name); fill(); } }, label));
  return slot;
}

function prizeText(p) {
  if (p.kind === 'POINTS') return `${points(p.points)} 积分`;
  if (p.kind === 'PRODUCT') return p.name || p.sku;
  return '谢谢参与 Nothing';
}

function drawCard(draw) {
  return h('div', { id: 'draw', 'data-draw': draw.drawId },
    h('h3', {}, `幸运抽奖 ${draw.name}`),
    h('p', { class: 'muted' }, `${points(draw.costPoints)} 积分 / 次 · until ${when(draw.endsAt)}`),
    h('ul', {}, draw.prizes.map((p) => h('li', { 'data-prize': p.prizeId },
      `${prizeText(p)} · ${(p.probability * 100).toFixed(1)}%`, p.stockLeft === null ? '' : ` · ${points(p.stockLeft)} left`))),
    h('button', {
      class: 'primary',
      disabled: draw.status !== 'ACTIVE',
      onclick: () => act(`spin:${draw.drawId}`, (key) => api.spin(draw.drawId, key),
        (r) => (r.prize.kind === 'NOTHING' ? '谢谢参与 Nothing this time' : `抽中 You won ${r.prize.kind === 'POINTS' ? `${r.pointsWon} 积分` : `${r.prize.sku} (order ${r.orderId})`}`)),
    }, '抽奖 Spin'));
}

function leaderboardCard(board) {
  return h('div', { id: 'leaderboard' },
    h('h3', {}, '本周积分榜 This week'),
    table([
      ['#', (s) => s.rank],
      ['member', (s) => s.nickname],
      ['points', (s) => points(s.points)],
    ], board.items, { empty: 'Nobody has earned points this week yet.' }),
    h('p', { class: 'muted', id: 'my-rank' }, board.me.rank ? `我的排名 My rank: ${board.me.rank} · ${points(board.me.points)} 积分` : 'Earn points to join the board.'));
}

async function render() {
  if (!api.session()) {
    loginScreen();
    return;
  }
  let me;
  try {
    me = await api.me();
  } catch (err) {
    say(errorText(err), 'error');
    loginScreen();
    return;
  }
  const [catalog, orders, ledger, sales] = await Promise.all([
    api.products({ limit: 50 }),
    api.orders({ limit: 10 }),
    api.ledger({ limit: 10 }),
    api.flashSales().catch(() => ({ items: [] })),
  ]);
  const drawSlot = openable('draw', '幸运抽奖 Lucky draw', '去抽奖 Open', async () => {
    const running = (await api.draws()).items.find((d) => d.status === 'ACTIVE');
    return running ? drawCard(await api.draw(running.drawId)) : h('p', { class: 'muted' }, 'No lucky draw running.');
  });
  const boardSlot = openable('board', '本周积分榜 Leaderboard', '看排行 Show', async () => leaderboardCard(await api.leaderboard('week')));
  const tasksSlot = openable('tasks', '任务 Tasks', '看任务 Show', async () => tasksCard(await api.myTasks()));
  const live = sales.items.filter((s) => s.status !== 'ENDED'); // a sold-out sale still shows my claim
  const claims = await Promise.all(live.map((s) => api.myClaim(s.saleId).catch(() => null)));
  who.replaceChildren(`${me.memberId} · `, h('button', { onclick: () => { api.logout(); sessionStorage.removeItem(MEMBER_KEY); loginScreen(); } }, '退出 Log out'));

  app.replaceChildren(
    message,
    h('div', { class: 'card' },
      h('span', { class: 'muted' }, '我的积分 Balance'),
      h('div', { class: 'big', id: 'balance' }, points(me.balance)),
      me.frozen ? h('div', { class: 'notice error' }, '账户已冻结 Account frozen') : '',
      tierProgress(me),
      h('h3', {}, '即将过期 Expiring'),
      me.expiring.length ? h('ul', { id: 'expiring' }, me.expiring.map((e) => h('li', {}, `${points(e.points)} 积分 · ${when(e.expiresAt)}`))) : h('p', { class: 'muted' }, 'Nothing expiring soon.'),
      // Purchase points inside the return window, and points of refunded purchases still owed.
      me.pending?.length ? [h('h3', {}, '待生效 Pending'), h('ul', { id: 'pending' }, me.pending.map((e) => h('li', {}, `${points(e.points)} 积分 · from ${when(e.availableAt)}`)))] : '',
      me.shortfall ? h('p', { class: 'notice', id: 'shortfall' }, `待抵扣 ${points(me.shortfall)} 积分 (refunded purchase, repaid from the next points earned)`) : '',
      me.inviteCode ? h('p', { class: 'muted' }, '邀请好友 Invite friends with your code ', h('strong', { id: 'invite-code' }, me.inviteCode)) : ''),
    h('div', { class: 'card', id: 'sign-in' },
      h('h3', {}, '每日签到 Daily sign-in'),
      h('p', {}, `连续 ${me.signIn.streak} 天 · streak ${me.signIn.streak}`),
      h('button', {
        class: 'primary',
        disabled: me.signIn.signedInToday,
        onclick: () => act('sign-in', () => api.signIn(), (r) => `签到成功 +${r.awarded} (streak ${r.streak})`),
      }, me.signIn.signedInToday ? '今日已签到 Signed in today' : '签到 Sign in')),
    live.length ? h('div', { class: 'card' }, h('h3', {}, '限时抢购 Flash sales'), h('div', { class: 'grid' }, live.map((s, i) => saleRow(s, claims[i])))) : '',
    drawSlot,
    boardSlot,
    tasksSlot,
    h('div', { class: 'card' },
      h('h3', {}, '积分兑换 Catalog'),
      h('div', { class: 'grid', id: 'catalog' }, catalog.items.map((p) => h('div', { class: 'product', 'data-sku': p.sku },
        h('strong', {}, p.name),
        h('span', { class: 'price' }, `${points(p.pointsPrice)} 积分`, p.cashPriceFen ? ` + ¥${(p.cashPriceFen / 100).toFixed(2)}` : '',
          // 积分膨胀: a redemption campaign's price, with the usual one struck through.
          p.listPointsPrice != null && p.listPointsPrice !== p.pointsPrice ? h('del', { class: 'muted', 'data-list-price': p.sku }, ` ${points(p.listPointsPrice)}`) : ''),
        h('span', { class: 'muted' }, `${p.reviewRequired ? '需审核 reviewed · ' : ''}${p.redeemedLast7d ? `7日兑换 ${points(p.redeemedLast7d)} · ` : ''}库存 ${points(p.stock)}${p.minTier ? ` · ${p.minTier}+` : ''}${p.perMemberLimit ? ` · limit ${p.perMemberLimit}` : ''}`),
        h('button', {
          class: 'primary',
          onclick: () => act(`redeem:${p.sku}`, (key) => api.redeem({ sku: p.sku, quantity: 1 }, key), (o) => `兑换成功 Redeemed: order ${o.orderId} (${o.status})`),
        }, '兑换 Redeem'))))),
    h('div', { class: 'card', id: 'orders' },
      h('h3', {}, '我的订单 Orders'),
      table([
        ['order', (o) => h('span', { 'data-order': o.orderId }, o.orderId)],
        ['product', (o) => `${o.name || o.sku} × ${o.quantity}`],
        ['points', (o) => points(o.pointsSpent)],
        ['status', (o) => h('span', { class: 'order-status', 'data-order-status': o.orderId }, badge(o.status),
          o.cashRefund ? h('span', { class: 'muted', 'data-cash-refund': o.cashRefund.status }, ` 现金退款 cash ${yuan(o.cashRefund.amountFen)} ${o.cashRefund.status === 'DONE' ? '已退 refunded' : '退款中 being refunded'}`) : '')],
        ['', (o) => (o.trackingNo ? `${o.carrier} ${o.trackingNo}` : o.voucherCode || (['CONFIRMED', 'PENDING_PAYMENT', 'PENDING_REVIEW'].includes(o.status)
          ? h('button', { onclick: () => act(`cancel:${o.orderId}`, () => api.cancelOrder(o.orderId), (c) => `已取消 Cancelled ${c.orderId}: points back${c.cashRefund ? `, cash ${yuan(c.cashRefund.amountFen)} to be refunded` : ''}`) }, '取消 Cancel')
          : ''))],
      ], orders.items, { empty: 'No orders yet.' })),
    h('div', { class: 'card' },
      h('h3', {}, '积分明细 Ledger'),
      table([
        ['when', (e) => when(e.createdAt)],
        ['type', (e) => badge(e.type)],
        ['source', (e) => e.source || '—'],
        ['points', (e) => (e.delta > 0 ? `+${e.delta}` : String(e.delta))],
        ['balance', (e) => points(e.balanceAfter)],
        ['note', (e) => e.note || ''],
      ], ledger.items, { empty: 'No entries yet.' })),
  );
}

render();

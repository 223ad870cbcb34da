// End to end in headless Chromium against a running local stack (BASE_URL): an admin puts a product on
// the shelf and gives a member points, the member signs in and redeems it, the admin ships it, the
// member sees it shipped. Screenshots of each step go to .local/artifacts/browser/.
// Run by tests/stack/test_browser.py, which starts the stack.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE_URL, launch, personPage, shot } from './browser.mjs';

const RUN = Date.now().toString(36);
const SKU = `e2e-cup-${RUN}`;
const MEMBER = `e2e-member-${RUN}`;
let browser;
let admin;
let member;
const errors = [];

before(async () => {
  assert.ok(BASE_URL, 'BASE_URL must point at a running local stack');
  browser = await launch();
  admin = await personPage(browser, errors);
  member = await personPage(browser, errors);
});

after(async () => {
  await browser?.close();
  assert.deepEqual(errors, [], 'no script errors in any page');
});

async function consolePage(name) {
  await admin.click(`nav a[href="#/${name}"]`);
  await admin.waitForSelector(`[data-page="${name}"]`);
}

async function memberBalance() {
  return Number((await member.textContent('#balance')).replace(/,/g, ''));
}

test('the landing page links the explorer, the console and the member page', async () => {
  await admin.goto('/');
  for (const href of ['/docs/', '/console/', '/member/']) assert.ok(await admin.$(`a[href="${href}"]`), href);
});

test('the API explorer shows every route and authorizes with a dev login', async () => {
  await admin.goto('/docs');
  await admin.waitForSelector('.opblock', { timeout: 30000 });
  assert.ok((await admin.$$('.opblock')).length >= 20, 'operations listed');
  assert.ok(await admin.$('text=/redemptions'), 'POST /redemptions is listed');
  await admin.fill('#dev-code', 'dev-admin:explorer');
  await admin.click('#dev-login');
  await admin.waitForSelector('#dev-status:has-text("authorized as dev-admin:explorer")');
  await shot(admin, '01-api-explorer');
});

test('an admin signs in to the console and puts a new product on the shelf', async () => {
  await admin.goto('/console/');
  await admin.fill('#login input[name="code"]', `dev-admin:e2e-${RUN}`);
  await admin.click('#login button[type="submit"]');
  await admin.waitForSelector('[data-page="products"]');
  await admin.click('text=New product');
  const form = admin.locator('form[data-route="PUT /admin/products/{sku}"]');
  await form.locator('input[name="sku"]').fill(SKU);
  await form.locator('input[name="name"]').fill('测试保温杯 E2E cup');
  await form.locator('input[name="category"]').fill('e2e');
  await form.locator('input[name="pointsPrice"]').fill('120');
  await form.locator('input[name="stock"]').fill('3');
  await form.locator('select[name="status"]').selectOption('ON_SHELF');
  await form.locator('button[type="submit"]').click();
  await admin.waitForSelector(`text=Saved ${SKU}: ON_SHELF, stock 3`);
  await admin.waitForSelector(`td:has-text("${SKU}")`);
  await shot(admin, '02-console-product-on-shelf');
});

test('a form built from the API schema shows errors by field', async () => {
  await consolePage('rules');
  const form = admin.locator('form[data-route="PUT /admin/rules"]');
  await form.locator('input[name="tiers.0.multiplier"]').fill('0');
  await form.locator('input[name="dailyCap"]').fill('-5');
  await form.locator('button[type="submit"]').click();
  await admin.waitForSelector('label.field.invalid[data-path="tiers.0.multiplier"] .field-error:has-text("more than 0")');
  await admin.waitForSelector('label.field.invalid[data-path="dailyCap"] .field-error:has-text("at least 0")');
  await shot(admin, '03-console-rules-field-errors');
});

test('a member logs in on the demo page and the admin gives them points', async () => {
  await member.goto('/member/');
  await member.fill('#login input[name="memberId"]', MEMBER);
  await member.click('#login button[type="submit"]');
  await member.waitForSelector('#balance');
  assert.equal(await memberBalance(), 0);

  await consolePage('members');
  await admin.fill('input[name="memberId"]', MEMBER);
  await admin.click('text=Look up');
  await admin.waitForSelector(`[data-member="${MEMBER}"]`);
  const adjust = admin.locator('form[data-route="POST /admin/members/{memberId}/adjust"]');
  await adjust.locator('input[name="delta"]').fill('200');
  await adjust.locator('input[name="reason"]').fill('e2e welcome gift');
  await adjust.locator('button[type="submit"]').click();
  await admin.waitForSelector('text=Adjusted +200: balance 200');
  await shot(admin, '04-console-member-adjusted');
});

test('the member signs in daily and redeems the new product', async () => {
  await member.reload();
  await member.waitForSelector('#balance');
  assert.equal(await memberBalance(), 200);
  await member.click('#sign-in button');
  await member.waitForSelector('text=/签到成功 \\+\\d+/');
  const afterSignIn = await memberBalance();
  assert.ok(afterSignIn > 200, `sign-in added points (${afterSignIn})`);
  await member.click(`[data-sku="${SKU}"] button`);
  await member.waitForSelector('text=/兑换成功 Redeemed: order .* \\(CONFIRMED\\)/');
  assert.equal(await memberBalance(), afterSignIn - 120);
  await member.waitForSelector('#orders .badge.CONFIRMED');
  await shot(member, '05-member-redeemed');
});

test('the admin ships the order and the member sees it shipped', async () => {
  const orderId = await member.getAttribute('#orders [data-order]', 'data-order');
  assert.ok(orderId);
  await consolePage('orders');
  const queue = await admin.$('[role="tablist"]');
  if (queue) {
    await admin.click(`tr:has([data-order="${orderId}"]) >> text=Ship…`).catch(async () => {
      await admin.click(`tr:has-text("${orderId}") >> text=Ship…`);
    });
  } else {
    await admin.fill('input[name="orderId"]', orderId);
    await admin.click('text=Open order');
  }
  const ship = admin.locator('form[data-route="POST /admin/orders/{orderId}/ship"]');
  await ship.locator('input[name="carrier"]').fill('顺丰 SF');
  await ship.locator('input[name="trackingNo"]').fill(`SF${RUN}`);
  await ship.locator('button[type="submit"]').click();
  await admin.waitForSelector(`text=${orderId} is now SHIPPED`);
  await shot(admin, '06-console-order-shipped');

  await member.reload();
  await member.waitForSelector(`[data-order-status="${orderId}"] .badge.SHIPPED`);
  assert.ok(await member.$(`text=顺丰 SF SF${RUN}`), 'tracking number shown to the member');
  await shot(member, '07-member-sees-shipped');
});

test('the admin starts a flash sale and the member claims a unit, settled through the queue', async () => {
  await consolePage('flash-sales');
  const form = admin.locator('form[data-route="POST /admin/flash-sales"]');
  await form.locator('input[name="sku"]').fill(SKU);
  await form.locator('input[name="pointsPrice"]').fill('10');
  await form.locator('input[name="stock"]').fill('1');
  const local = (ms) => {
    const d = new Date(Date.now() + ms - new Date().getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
  };
  await form.locator('input[name="startsAt"]').fill(local(-60000));
  await form.locator('input[name="endsAt"]').fill(local(3600000));
  await form.locator('button[type="submit"]').click();
  await admin.waitForSelector('text=/Created .* \\(ACTIVE\\)/');
  await shot(admin, '09-console-flash-sale');

  await member.reload();
  const sale = member.locator('[data-sale]').filter({ hasText: '测试保温杯 E2E cup' }).first();
  await sale.locator('button').click();
  await member.waitForSelector('text=/抢到了！Claim confirmed: order/', { timeout: 30000 });
  await member.waitForSelector('[data-claim="CONFIRMED"]');
  await shot(member, '10-member-claim-confirmed');
});

test('the admin schedules a campaign and a lucky draw, the member spins and sees the leaderboard', async () => {
  await consolePage('campaigns');
  const campaign = admin.locator('form[data-route="POST /admin/campaigns"]');
  await campaign.locator('input[name="name"]').fill(`e2e 双倍 ${RUN}`);
  await campaign.locator('button[type="submit"]').click();
  await admin.waitForSelector('text=/Scheduled .* \\(ACTIVE\\)/');
  await shot(admin, '11-console-campaign');

  await consolePage('draws');
  await admin.click('text=New lucky draw');
  const draw = admin.locator('form[data-route="PUT /admin/draws/{drawId}"]');
  await draw.locator('input[name="drawId"]').fill(`e2e-wheel-${RUN}`);
  await draw.locator('button[type="submit"]').click();
  await admin.waitForSelector(`text=Saved e2e-wheel-${RUN} (ACTIVE)`);
  await admin.waitForSelector(`[data-draw="e2e-wheel-${RUN}"] >> text=90.00%`);
  await shot(admin, '12-console-draw');

  await consolePage('tasks');
  const task = admin.locator('form[data-route="PUT /admin/tasks/{taskId}"]');
  await task.locator('input[name="taskId"]').fill(`e2e-survey-${RUN}`);
  await task.locator('button[type="submit"]').click();
  await admin.waitForSelector(`text=Saved e2e-survey-${RUN}`);
  await admin.waitForSelector('text=/Members on .*: .* new, .* active, .* dormant/');

  await member.reload();
  await member.click('#open-draw');
  await member.waitForSelector(`#draw[data-draw="e2e-wheel-${RUN}"]`);
  const before = await memberBalance();
  await member.click('#draw button');
  await member.waitForSelector('text=/抽中 You won 100 积分|谢谢参与 Nothing this time/');
  const won = (await member.$('text=/抽中 You won 100 积分/')) ? 100 : 0;
  assert.equal(await memberBalance(), before - 10 + won);
  await member.click('#open-board');
  await member.waitForSelector('#leaderboard');
  await member.click('#open-tasks');
  await member.waitForSelector('#tasks');
  assert.ok(await member.$('#invite-code'), 'the member sees their invite code');
  await shot(member, '13-member-spun');
});

test('statistics chart the points per day and show the liability', async () => {
  await consolePage('stats');
  await admin.waitForSelector('#stats-chart');
  const outstanding = Number((await admin.textContent('#outstanding')).replace(/,/g, ''));
  assert.ok(outstanding >= 0);
  assert.ok(await admin.evaluate(() => Boolean(window.Chart)), 'chart library loaded from /vendor');
  await shot(admin, '08-console-stats');
});

async function callApi(method, path, body, token) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

test('a paid order cancelled owes its cash back until the console confirms the refund; the audit log shows it', async () => {
  const CASH_SKU = `e2e-kettle-${RUN}`;
  const { token: adminToken } = await callApi('POST', '/auth/login', { code: `dev-admin:e2e-setup-${RUN}` });
  const { token: payments } = await callApi('POST', '/auth/login', { code: `dev-service:e2e-pay-${RUN}` });
  await callApi('PUT', `/admin/products/${CASH_SKU}`, {
    name: 'E2E 电水壶 kettle', category: 'e2e', type: 'PHYSICAL', pointsPrice: 5, cashPriceFen: 2500, stock: 2, status: 'ON_SHELF',
  }, adminToken);

  await member.reload();
  await member.click(`[data-sku="${CASH_SKU}"] button`);
  await member.waitForSelector('text=/兑换成功 Redeemed: order .* \\(PENDING_PAYMENT\\)/');
  const orderId = await member.getAttribute('#orders tr:has-text("电水壶") [data-order]', 'data-order');
  assert.ok(orderId);
  await callApi('POST', `/orders/${orderId}/payment`, { transactionId: `wx-e2e-${RUN}` }, payments);
  await member.reload();
  await member.click(`#orders tr:has([data-order="${orderId}"]) button`);
  await member.waitForSelector(`text=Cancelled ${orderId}: points back, cash ¥25.00 to be refunded`);
  await member.waitForSelector(`[data-order-status="${orderId}"] [data-cash-refund="PENDING"]`);

  await consolePage('orders');
  const row = admin.locator('.card:has(h3:has-text("Cash refunds waiting")) tr', { hasText: orderId });
  await row.locator('input[name="refundId"]').fill(`wx-refund-${RUN}`);
  await row.locator('button[type="submit"]').click();
  await admin.waitForSelector(`text=${orderId}: cash refund DONE`);
  await shot(admin, '11-console-cash-refund-confirmed');
  await member.reload();
  await member.waitForSelector(`[data-order-status="${orderId}"] [data-cash-refund="DONE"]`);

  await consolePage('audit');
  await admin.fill('input[name="memberId"]', MEMBER);
  await admin.click('text=Filter');
  await admin.waitForSelector('td:has-text("CASH_REFUNDED")');
  await admin.waitForSelector('td:has-text("MEMBER_ADJUSTED")');
  await shot(admin, '12-console-audit-log');
});

test('a redemption waiting for review is rejected in the console and the member gets the points back', async () => {
  const TV = `e2e-tv-${RUN}`;
  const { token: adminToken } = await callApi('POST', '/auth/login', { code: `dev-admin:e2e-setup-${RUN}` });
  await callApi('PUT', `/admin/products/${TV}`, {
    name: 'E2E 审核电视 TV', category: 'e2e', type: 'PHYSICAL', pointsPrice: 1, cashPriceFen: 0, stock: 2, status: 'ON_SHELF', reviewRequired: true,
  }, adminToken);
  await member.reload();
  const before = await memberBalance();
  await member.click(`[data-sku="${TV}"] button`);
  await member.waitForSelector('text=/兑换成功 Redeemed: order .* \\(PENDING_REVIEW\\)/');
  const orderId = await member.getAttribute('#orders tr:has-text("审核电视") [data-order]', 'data-order');
  assert.ok(orderId);

  await consolePage('orders');
  await admin.click('[role="tablist"] button[data-status="PENDING_REVIEW"]');
  await admin.click(`tr:has-text("${orderId}") >> text=Reject…`);
  const reject = admin.locator('form[data-route="POST /admin/orders/{orderId}/reject"]');
  await reject.locator('input[name="reason"]').fill('地址无法核实 address not verified');
  await reject.locator('button[type="submit"]').click();
  await admin.waitForSelector(`text=${orderId} is now CANCELLED: points refunded`);
  await shot(admin, '14-console-review-rejected');

  await member.reload();
  await member.waitForSelector(`[data-order-status="${orderId}"] .badge.CANCELLED`);
  assert.equal(await memberBalance(), before);
});

test('an admin creates a service client, sees its secret once, and revokes it', async () => {
  await consolePage('clients');
  const form = admin.locator('form[data-route="POST /admin/clients"]');
  await form.locator('input[name="name"]').fill(`e2e-shop-${RUN}`);
  await form.locator('button[type="submit"]').click();
  await admin.waitForSelector('#client-secret [data-secret]');
  const clientSecret = await admin.textContent('#client-secret [data-secret]');
  const clientId = (await admin.textContent('text=/^Created c[0-9a-f]+ for/')).split(' ')[1];
  const issued = await callApi('POST', '/auth/token', { clientId, clientSecret });
  assert.ok(issued.token && issued.expiresAt);
  await shot(admin, '13-console-service-client');

  admin.once('dialog', (dialog) => dialog.accept());
  await admin.click(`tr:has([data-client="${clientId}"]) >> text=Revoke`);
  await admin.waitForSelector(`text=Revoked ${clientId}`);
  await admin.waitForSelector(`tr:has([data-client="${clientId}"]) .badge.REVOKED`);
  const refused = await fetch(`${BASE_URL}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId, clientSecret }),
  });
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.code, 'INVALID_CLIENT');
  assert.equal(await admin.$('#client-secret'), null, 'the secret is gone from the page');
});

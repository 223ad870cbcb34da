// The mini-program client against a running local stack (BASE_URL), with a stubbed `wx`.
// Run by tests/stack/test_browser.py (which starts the stack): node --test clients/miniprogram/test/
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError, createClient, errorText, newActionKey } from '../api/client.js';
import { fakeWx } from './fake-wx.mjs';

const BASE_URL = process.env.BASE_URL;
const RUN = Date.now().toString(36);

function member(name) {
  const wx = fakeWx({ codes: [`dev:${name}-${RUN}`] });
  return { wx, client: createClient({ baseUrl: BASE_URL, wx }) };
}

async function admin() {
  const { client } = member('unused');
  await client.login(`dev-admin:client-test-${RUN}`);
  return client;
}

async function giveProductAndPoints(memberId, points) {
  const ops = await admin();
  const sku = `client-test-${RUN}`;
  await ops.call('PUT', `/admin/products/${sku}`, {
    body: {
      name: '测试商品 Client test', category: 'test', type: 'PHYSICAL',
      pointsPrice: 40, cashPriceFen: 0, stock: 10, status: 'ON_SHELF',
    },
  });
  await ops.call('POST', `/admin/members/${memberId}/adjust`, {
    body: { delta: points, reason: 'client test' },
    idempotencyKey: newActionKey(),
  });
  return sku;
}

test('logs in with wx.login, keeps the token in wx storage, and reads the profile', async () => {
  assert.ok(BASE_URL, 'BASE_URL must point at a running local stack');
  const { wx, client } = member('login');
  const me = await client.me();
  assert.equal(me.memberId, `login-${RUN}`);
  assert.equal(me.balance, 0);
  assert.equal(wx.calls.login, 1);
  assert.ok(client.session()?.token, 'token kept in storage');
  await client.me();
  assert.equal(wx.calls.login, 1, 'a valid token is reused, not a new login per call');
  assert.equal(wx.calls.requests.at(-1).header.authorization, `Bearer ${client.session().token}`);
});

test('a 401 logs in again once and repeats the call', async () => {
  const { wx, client } = member('refresh');
  await client.me();
  wx.setStorageSync('pointsMallSession', { token: 'revoked-or-expired', expiresAt: '2099-01-01T00:00:00Z' });
  const me = await client.me();
  assert.equal(me.memberId, `refresh-${RUN}`);
  assert.equal(wx.calls.login, 2);
  const statuses = wx.calls.requests.filter((r) => r.url.endsWith('/me')).length;
  assert.equal(statuses, 3, 'first call, the refused one, and the repeat');
});

test('a bad login code surfaces INVALID_CODE instead of looping', async () => {
  const wx = fakeWx({ codes: ['not-a-dev-code'] });
  const client = createClient({ baseUrl: BASE_URL, wx });
  await assert.rejects(client.me(), (err) => err instanceof ApiError && err.status === 401 && err.code === 'INVALID_CODE');
  assert.equal(wx.calls.login, 1);
});

test('sign-in twice surfaces ALREADY_SIGNED_IN with its text', async () => {
  const { client } = member('signin');
  const first = await client.signIn();
  assert.equal(first.streak, 1);
  assert.ok(first.awarded > 0);
  await assert.rejects(client.signIn(), (err) => {
    assert.equal(err.code, 'ALREADY_SIGNED_IN');
    assert.equal(err.status, 409);
    assert.match(errorText(err), /已签到/);
    return true;
  });
});

test('one Idempotency-Key per user action: a retried redemption spends once', async () => {
  const { wx, client } = member('redeem');
  const memberId = (await client.me()).memberId;
  const sku = await giveProductAndPoints(memberId, 100);

  const tap = newActionKey();
  const order = await client.redeem({ sku, quantity: 1 }, tap);
  const retried = await client.redeem({ sku, quantity: 1 }, tap); // the same tap, e.g. after a timeout
  assert.equal(retried.orderId, order.orderId);
  assert.equal(order.status, 'CONFIRMED');
  assert.equal((await client.me()).balance, 60);
  const sent = wx.calls.requests.filter((r) => r.url.endsWith('/redemptions'));
  assert.deepEqual(new Set(sent.map((r) => r.header['idempotency-key'])), new Set([tap]));

  const second = await client.redeem({ sku, quantity: 1 }, newActionKey()); // a new tap is a new order
  assert.notEqual(second.orderId, order.orderId);
  await assert.rejects(client.redeem({ sku, quantity: 1 }, newActionKey()), (err) => err.code === 'INSUFFICIENT_POINTS');
  const mine = await client.orders();
  assert.deepEqual(new Set(mine.items.map((o) => o.orderId)), new Set([order.orderId, second.orderId]));
});

test('unknown products and unreachable servers surface their codes', async () => {
  const { client } = member('errors');
  await assert.rejects(client.redeem({ sku: 'no-such-sku', quantity: 1 }, newActionKey()), (err) => err.code === 'PRODUCT_NOT_FOUND' && err.status === 404);
  await assert.rejects(client.call('GET', '/products', { query: { limit: 0 } }), (err) => err.code === 'VALIDATION_ERROR' && /limit/.test(err.message));
  const offline = createClient({ baseUrl: 'http://127.0.0.1:9', wx: fakeWx({ codes: ['dev:x'] }) });
  await assert.rejects(offline.me(), (err) => err.code === 'NETWORK_ERROR' && err.status === 0);
});

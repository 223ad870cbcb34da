// A small wx.request wrapper for the points-mall API, for the WeChat mini-program (and, through a wx
// shim, the member demo page). What it takes care of, so pages do not have to:
//   - login: wx.login() gives a one-time code, POST /auth/login turns it into a bearer token (kept in
//     wx storage); a 401 logs in once more and repeats the request (tokens live 2 hours);
//   - idempotency: every user action that spends points carries an Idempotency-Key; a page makes one
//     key per tap (newActionKey) and reuses it when the user retries, so a retry never spends twice;
//   - errors: a failed call rejects with ApiError {status, code, message}, code as in docs/API.md
//     (INSUFFICIENT_POINTS, OUT_OF_STOCK, ...), NETWORK_ERROR when no answer came back.
// Types come from schema.d.ts, generated from docs/openapi.json (`make openapi`).

/** @typedef {import('./schema').components['schemas']} Schemas */
/** @typedef {'GET' | 'POST' | 'PUT' | 'DELETE'} Method */
/**
 * @typedef {object} WxLike  the part of the mini-program's `wx` object the client uses
 * @property {(options: {success: (res: {code: string}) => void, fail?: (err: unknown) => void}) => void} login
 * @property {(options: WxRequestOptions) => unknown} request
 * @property {(key: string) => unknown} getStorageSync
 * @property {(key: string, value: unknown) => void} setStorageSync
 * @property {(key: string) => void} removeStorageSync
 */
/**
 * @typedef {object} WxRequestOptions
 * @property {string} url
 * @property {Method} method
 * @property {unknown} [data]
 * @property {Record<string, string>} header
 * @property {number} [timeout]
 * @property {(res: {statusCode: number, data: unknown, header?: Record<string, string>}) => void} success
 * @property {(err: {errMsg?: string}) => void} fail
 */
/** @typedef {{query?: Record<string, string | number | undefined | null>, body?: unknown, idempotencyKey?: string, auth?: boolean}} CallOptions */
/** @typedef {{token: string, memberId?: string, expiresAt: string}} Session */

export class ApiError extends Error {
  /**
   * @param {number} status  HTTP status, 0 when the request never got an answer
   * @param {string} code    the API's error code, e.g. INSUFFICIENT_POINTS
   * @param {string} message the API's human-readable message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** A fresh key for one user action (one tap of "redeem"); reuse it when retrying that same action. */
export function newActionKey() {
  const random = () => Math.floor(Math.random() * 0x100000000).toString(36);
  return `${Date.now().toString(36)}-${random()}${random()}${random()}`;
}

const STORAGE_KEY = 'pointsMallSession';
const EXPIRY_MARGIN_MS = 60 * 1000; // log in again a minute before the token runs out

/**
 * @param {{baseUrl: string, wx: WxLike, storageKey?: string, timeoutMs?: number}} options
 */
export function createClient({ baseUrl, wx, storageKey = STORAGE_KEY, timeoutMs = 15000 }) {
  const root = baseUrl.replace(/\/$/, '');
  /** @type {Promise<Session> | null} */
  let loggingIn = null;

  /** @returns {Session | null} */
  function session() {
    const saved = wx.getStorageSync(storageKey);
    return saved && typeof saved === 'object' ? /** @type {Session} */ (saved) : null;
  }

  /** @returns {Promise<string>} */
  function wxCode() {
    return new Promise((resolve, reject) => {
      wx.login({
        success: (res) => resolve(res.code),
        fail: (err) => reject(new ApiError(0, 'WX_LOGIN_FAILED', String((/** @type {any} */ (err))?.errMsg || err))),
      });
    });
  }

  /**
   * @param {Method} method
   * @param {string} url
   * @param {Record<string, string>} header
   * @param {unknown} body
   * @returns {Promise<{statusCode: number, data: any}>}
   */
  function send(method, url, header, body) {
    return new Promise((resolve, reject) => {
      wx.request({
        url,
        method,
        header,
        data: body === undefined ? undefined : body,
        timeout: timeoutMs,
        success: (res) => resolve(res),
        fail: (err) => reject(new ApiError(0, 'NETWORK_ERROR', err?.errMsg || 'no answer from the server')),
      });
    });
  }

  /**
   * @param {{statusCode: number, data: any}} res
   * @returns {ApiError}
   */
  function errorOf(res) {
    const error = res.data && typeof res.data === 'object' ? res.data.error : null;
    if (error && error.code) return new ApiError(res.statusCode, error.code, error.message || error.code);
    // API Gateway's own answers ({"message": "Internal Server Error"}) carry no code.
    const message = (res.data && res.data.message) || `HTTP ${res.statusCode}`;
    return new ApiError(res.statusCode, res.statusCode >= 500 ? 'SERVER_ERROR' : 'HTTP_ERROR', message);
  }

  /**
   * Log in with a fresh wx.login code (one login at a time, whoever asks).
   * @param {string} [code] a code to use instead of wx.login's (the local stack's dev codes)
   * @param {string} [inviteCode] a friend's invite code (from a shared page): rewards both when this
   *   login opens the account, and is ignored otherwise
   * @returns {Promise<Session>}
   */
  function login(code, inviteCode) {
    if (!loggingIn) {
      loggingIn = (async () => {
        const res = await send('POST', `${root}/auth/login`, { 'content-type': 'application/json' }, {
          code: code || (await wxCode()),
          ...(inviteCode ? { inviteCode } : {}),
        });
        if (res.statusCode !== 200) throw errorOf(res);
        /** @type {Schemas['LoginView']} */
        const view = res.data;
        const saved = { token: view.token, memberId: view.memberId ?? undefined, expiresAt: view.expiresAt };
        wx.setStorageSync(storageKey, saved);
        return saved;
      })().finally(() => {
        loggingIn = null;
      });
    }
    return loggingIn;
  }

  /** @returns {Promise<string>} */
  async function token() {
    const saved = session();
    if (saved && Date.parse(saved.expiresAt) - EXPIRY_MARGIN_MS > Date.now()) return saved.token;
    return (await login()).token;
  }

  /**
   * One API call. Rejects with ApiError; a 401 logs in again and repeats the call once.
   * @param {Method} method
   * @param {string} path
   * @param {CallOptions} [options]
   * @returns {Promise<any>}
   */
  async function call(method, path, { query, body, idempotencyKey, auth = true } = {}) {
    const search = Object.entries(query || {})
      .filter(([, value]) => value !== undefined && value !== null && value !== '')
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
      .join('&');
    const url = `${root}${path}${search ? `?${search}` : ''}`;
    for (let attempt = 0; ; attempt += 1) {
      /** @type {Record<string, string>} */
      const header = { 'content-type': 'application/json' };
      if (auth) header.authorization = `Bearer ${await token()}`;
      if (idempotencyKey) header['idempotency-key'] = idempotencyKey;
      const res = await send(method, url, header, body);
      if (res.statusCode < 400) return res.data;
      if (res.statusCode === 401 && auth && attempt === 0) {
        wx.removeStorageSync(storageKey); // expired or revoked: a new wx.login code, then the same call
        continue;
      }
      throw errorOf(res);
    }
  }

  return {
    call,
    login,
    /** Forget the session (the next call logs in again). */
    logout: () => wx.removeStorageSync(storageKey),
    /** @returns {Session | null} */
    session,
    /** @returns {Promise<Schemas['ProfileView']>} */
    me: () => call('GET', '/me'),
    /** @param {{limit?: number, cursor?: string}} [page] @returns {Promise<Schemas['Page_LedgerEntryView_']>} */
    ledger: (page = {}) => call('GET', '/me/ledger', { query: page }),
    /** @returns {Promise<Schemas['SignInResultView']>} */
    signIn: () => call('POST', '/sign-in'),
    /** @param {{category?: string, q?: string, sort?: 'hot', limit?: number, cursor?: string}} [filter] sort 'hot': most redeemed in the last 7 business days first @returns {Promise<Schemas['Page_ProductView_']>} */
    products: (filter = {}) => call('GET', '/products', { query: filter }),
    /**
     * @param {Schemas['RedeemBody']} body
     * @param {string} actionKey from newActionKey(), one per tap; the same key when the user retries
     * @returns {Promise<Schemas['OrderView']>}
     */
    redeem: (body, actionKey) => call('POST', '/redemptions', { body, idempotencyKey: actionKey }),
    /** @param {{limit?: number, cursor?: string}} [page] @returns {Promise<Schemas['Page_OrderView_']>} */
    orders: (page = {}) => call('GET', '/orders', { query: page }),
    /** @param {string} orderId @returns {Promise<Schemas['OrderView']>} */
    order: (orderId) => call('GET', `/orders/${encodeURIComponent(orderId)}`),
    /** @param {string} orderId @returns {Promise<Schemas['OrderView']>} */
    cancelOrder: (orderId) => call('POST', `/orders/${encodeURIComponent(orderId)}/cancel`),
    /** @returns {Promise<Schemas['Page_SaleView_']>} */
    flashSales: () => call('GET', '/flash-sales'),
    /** @param {string} saleId @param {string} actionKey @returns {Promise<Schemas['ClaimView']>} */
    claim: (saleId, actionKey) =>
      call('POST', `/flash-sales/${encodeURIComponent(saleId)}/claims`, { idempotencyKey: actionKey }),
    /** @param {string} saleId @returns {Promise<Schemas['ClaimView']>} */
    myClaim: (saleId) => call('GET', `/flash-sales/${encodeURIComponent(saleId)}/claims/mine`),
    /** @param {{limit?: number, cursor?: string}} [page] @returns {Promise<Schemas['Page_NotificationView_']>} */
    notifications: (page = {}) => call('GET', '/me/notifications', { query: page }),
    /** @returns {Promise<Schemas['Page_CampaignView_']>} */
    campaigns: () => call('GET', '/campaigns'),
    /** @returns {Promise<Schemas['Page_DrawSummaryView_']>} */
    draws: () => call('GET', '/draws'),
    /** @param {string} drawId @returns {Promise<Schemas['DrawView']>} */
    draw: (drawId) => call('GET', `/draws/${encodeURIComponent(drawId)}`),
    /** @param {string} drawId @param {string} actionKey one per tap @returns {Promise<Schemas['SpinView']>} */
    spin: (drawId, actionKey) =>
      call('POST', `/draws/${encodeURIComponent(drawId)}/spins`, { idempotencyKey: actionKey }),
    /** @param {'week' | 'month'} [period] @returns {Promise<Schemas['LeaderboardView']>} */
    leaderboard: (period = 'week') => call('GET', '/leaderboard', { query: { period } }),
    /** @returns {Promise<Schemas['Page_TaskProgressView_']>} */
    myTasks: () => call('GET', '/me/tasks', { query: { limit: 100 } }),
  };
}

/** @typedef {ReturnType<typeof createClient>} Client */

// What a member reads when a call fails (the codes of docs/API.md); anything else shows the API's message.
/** @type {Record<string, string>} */
export const ERROR_TEXT = {
  INSUFFICIENT_POINTS: '积分不足 Not enough points',
  OUT_OF_STOCK: '已售罄 Out of stock',
  LIMIT_REACHED: '已达兑换上限 Limit reached',
  TIER_REQUIRED: '会员等级不足 Higher tier required',
  ACCOUNT_FROZEN: '账户已冻结 Account frozen',
  ALREADY_SIGNED_IN: '今天已签到 Already signed in today',
  SOLD_OUT: '已抢光 Sold out',
  ALREADY_CLAIMED: '已参与 Already claimed',
  SALE_NOT_ACTIVE: '活动未开始或已结束 Sale not active',
  DRAW_NOT_ACTIVE: '抽奖未开始或已结束 Draw not running',
  DRAW_NOT_FOUND: '抽奖不存在 No such draw',
  NETWORK_ERROR: '网络异常，请重试 Network error, retry',
};

/** @param {unknown} error @returns {string} */
export function errorText(error) {
  if (error instanceof ApiError) return ERROR_TEXT[error.code] || `${error.code}: ${error.message}`;
  return String(error);
}

// The console's HTTP calls: same origin as the API (the local stack, or CloudFront in front of both),
// an admin bearer token kept for the browser tab, errors as ApiError {status, code, message}.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const TOKEN_KEY = 'pointsMallConsoleToken';

export function newKey() {
  return crypto.randomUUID();
}

export function createApi({ onUnauthenticated = () => {} } = {}) {
  const token = () => sessionStorage.getItem(TOKEN_KEY);

  async function call(method, path, { query, body, idempotencyKey, auth = true } = {}) {
    const search = new URLSearchParams(
      Object.entries(query || {}).filter(([, v]) => v !== undefined && v !== null && v !== ''),
    ).toString();
    const headers = { 'content-type': 'application/json' };
    if (auth && token()) headers.authorization = `Bearer ${token()}`;
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let res;
    try {
      res = await fetch(`${path}${search ? `?${search}` : ''}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, 'NETWORK_ERROR', err.message);
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (res.ok) return data;
    const error = data?.error || { code: `HTTP_${res.status}`, message: data?.message || res.statusText };
    if (res.status === 401 && auth) onUnauthenticated();
    throw new ApiError(res.status, error.code, error.message);
  }

  return {
    call,
    get: (path, query) => call('GET', path, { query }),
    signedIn: () => Boolean(token()),
    async login(code) {
      const view = await call('POST', '/auth/login', { body: { code }, auth: false });
      sessionStorage.setItem(TOKEN_KEY, view.token);
      return view;
    },
    useToken: (value) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
    logout: () => sessionStorage.removeItem(TOKEN_KEY),
  };
}

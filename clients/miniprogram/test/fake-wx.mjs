// A stand-in for the mini-program's `wx` object under Node: wx.request over fetch, wx.login handing
// out the codes a test queues (the local stack's dev codes), storage in a Map. Records what it did.

export function fakeWx({ codes }) {
  const storage = new Map();
  const calls = { login: 0, requests: [] };
  const queued = [...codes];
  return {
    calls,
    storage,
    login({ success, fail }) {
      calls.login += 1;
      const code = queued.length > 1 ? queued.shift() : queued[0];
      if (code) setTimeout(() => success({ code, errMsg: 'login:ok' }), 0);
      else setTimeout(() => fail({ errMsg: 'login:fail no code' }), 0);
    },
    request({ url, method, data, header, timeout, success, fail }) {
      calls.requests.push({ url, method, header: { ...header } });
      const init = { method, headers: header, signal: AbortSignal.timeout(timeout || 15000) };
      if (data !== undefined && method !== 'GET') init.body = JSON.stringify(data);
      fetch(url, init)
        .then(async (res) => {
          const text = await res.text();
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : '';
          } catch {
            // wx hands back the raw text when it is not JSON
          }
          success({ statusCode: res.status, data: parsed, header: Object.fromEntries(res.headers) });
        })
        .catch((err) => fail({ errMsg: `request:fail ${err.message}` }));
    },
    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
  };
}

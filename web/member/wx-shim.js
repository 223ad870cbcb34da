// Just enough of the mini-program's `wx` object for the client (clients/miniprogram/api/client.js) to run
// in a browser: wx.request over fetch, storage over sessionStorage, and wx.login handing out the local
// stack's dev code for the member chosen on the page (in the mini-program, WeChat hands out the code).

export function browserWx({ loginCode }) {
  return {
    login({ success, fail }) {
      const code = loginCode();
      if (code) setTimeout(() => success({ code, errMsg: 'login:ok' }));
      else setTimeout(() => fail({ errMsg: 'login:fail choose a member first' }));
    },
    request({ url, method, data, header, timeout, success, fail }) {
      fetch(url, {
        method,
        headers: header,
        body: data === undefined || method === 'GET' ? undefined : JSON.stringify(data),
        signal: AbortSignal.timeout(timeout || 15000),
      })
        .then(async (res) => {
          const text = await res.text();
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : '';
          } catch {
            // wx passes non-JSON bodies through as text
          }
          success({ statusCode: res.status, data: parsed, header: Object.fromEntries(res.headers) });
        })
        .catch((err) => fail({ errMsg: `request:fail ${err.message}` }));
    },
    getStorageSync: (key) => {
      const raw = sessionStorage.getItem(key);
      return raw ? JSON.parse(raw) : '';
    },
    setStorageSync: (key, value) => sessionStorage.setItem(key, JSON.stringify(value)),
    removeStorageSync: (key) => sessionStorage.removeItem(key),
  };
}

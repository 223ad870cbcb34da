// The console shell: sign in, build the menu from the pages whose routes the API has, route by #hash.
import { createApi } from './lib/api.js';
import { h, noticeArea } from './lib/dom.js';
import { hasRoute, loadDocument } from './lib/openapi.js';
import { PAGES } from './pages/index.js';

const nav = document.getElementById('nav');
const main = document.getElementById('page');
const who = document.getElementById('who');

const api = createApi({ onUnauthenticated: () => showLogin('Your session ended: sign in again.') });
let doc;

function available() {
  return PAGES.filter((page) => page.needs.every((route) => hasRoute(doc, route)));
}

function showLogin(message = '') {
  api.logout();
  nav.replaceChildren();
  who.replaceChildren();
  const notice = noticeArea();
  if (message) notice.error(message);
  const code = h('input', { name: 'code', value: 'dev-admin:ops', size: 24 });
  const token = h('input', { name: 'token', placeholder: 'or paste an admin token', size: 40 });
  main.replaceChildren(
    h(
      'form',
      {
        class: 'card',
        id: 'login',
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            if (token.value.trim()) api.useToken(token.value);
            else await api.login(code.value.trim());
            await start();
          } catch (err) {
            notice.error(err);
          }
        },
      },
      h('h2', {}, 'Sign in'),
      notice.el,
      h('label', { class: 'field' }, h('span', { class: 'name' }, 'Dev login code (local stack only)'), code),
      h('label', { class: 'field' }, h('span', { class: 'name' }, 'Admin token (deployed: python -m deploy.mint_token --role admin)'), token),
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    ),
  );
}

async function render() {
  const pages = available();
  const id = (location.hash.replace(/^#\/?/, '').split('?')[0]) || pages[0].id;
  const page = pages.find((p) => p.id === id) || pages[0];
  nav.replaceChildren(...pages.map((p) => h('a', { href: `#/${p.id}`, class: p === page ? 'active' : '' }, p.title)));
  const el = h('div', { 'data-page': page.id }, h('h2', {}, page.title));
  main.replaceChildren(el);
  try {
    await page.render({ api, doc, el, rerender: render });
  } catch (err) {
    if (err.status === 401) return;
    const notice = noticeArea();
    notice.error(err);
    el.append(notice.el);
  }
}

async function start() {
  who.replaceChildren('signed in · ', h('button', { onclick: () => showLogin() }, 'Sign out'));
  await render();
}

window.addEventListener('hashchange', () => api.signedIn() && render());
doc = await loadDocument();
if (api.signedIn()) await start();
else showLogin();

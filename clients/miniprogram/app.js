import { createClient } from './api/client.js';

// Point API_BASE_URL at the deployed API (its domain must be listed under the mini-program's
// request domains); the local stack is http://127.0.0.1:3000 in the devtools with domain checks off.
const API_BASE_URL = 'http://127.0.0.1:3000';

App({
  globalData: { api: createClient({ baseUrl: API_BASE_URL, wx }) },
});

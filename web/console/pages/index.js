// The console's pages, in menu order. A page is shown only when every route it `needs` is in the API's
// document, so a page for a capability that has not shipped yet simply does not appear. To add an area:
// write pages/<area>.js exporting {id, title, needs, render(ctx)} and list it here.
import audit from './audit.js';
import campaigns from './campaigns.js';
import clients from './clients.js';
import draws from './draws.js';
import flashSales from './flash-sales.js';
import members from './members.js';
import orders from './orders.js';
import products from './products.js';
import risk from './risk.js';
import rules from './rules.js';
import stats from './stats.js';
import tasks from './tasks.js';

export const PAGES = [products, flashSales, campaigns, draws, tasks, orders, members, rules, stats, audit, clients, risk];

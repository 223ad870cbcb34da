// Headless Chromium for the browser tests: Debian's chromium driven by the pinned playwright-core.
// The flags keep Chromium off the network (this machine's is closed: without them it stalls on
// Google hosts); Playwright gives every launch a fresh, empty profile.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL;
export const ARTIFACTS = process.env.ARTIFACTS_DIR || path.resolve('.local/artifacts/browser');
const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    timeout: 60000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A page in its own context (its own sessionStorage: one person), failing on any script error. */
export async function personPage(browser, errors) {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  page.on('console', (msg) => {
    // A refused API call logs "Failed to load resource" by design (4xx answers); anything else is a bug.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(`${page.url()}: ${msg.text()}`);
  });
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

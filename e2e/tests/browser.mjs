// Shared helpers of the end-to-end tests: the real `chat` server on a loopback port, Debian's
// Chromium driven by playwright-core, console and network watchers, screenshots, axe.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const CHAT = process.env.CHAT_BIN ?? new URL('../../target/debug/chat', import.meta.url).pathname;
export const SHOTS = process.env.SCREENSHOTS ?? new URL('../screenshots/', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** A free loopback port. */
export async function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** A `chat serve` on a data directory; `restart()` keeps both. */
export class ChatServer {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'chat-e2e-'));
    this.port = 0;
    /** @type {import('node:child_process').ChildProcess | null} */
    this.child = null;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    // Under `.ci/run`, every server logs at debug, as JSON, into the directory whose logs
    // are searched for secrets once the whole test run is over.
    const logDir = process.env.CHAT_TEST_LOG_DIR;
    const log = logDir ? openSync(join(logDir, `browser-${process.pid}-${this.port}.jsonl`), 'a') : 'inherit';
    const logging = logDir ? { RUST_LOG: 'debug', CHAT_LOG_FORMAT: 'json' } : { RUST_LOG: 'warn' };
    this.child = spawn(CHAT, ['--data-dir', this.dir, 'serve', '--addr', `127.0.0.1:${this.port}`, '--no-rate-limits'], {
      stdio: ['ignore', 'ignore', log],
      env: { ...process.env, ...logging },
    });
    for (let i = 0; i < 100; i += 1) {
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the server did not start');
  }

  async stop() {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops the server and removes its data directory. */
  async remove() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Debian's Chromium, headless, with the flags this machine needs. */
export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page that records console errors and failed requests.
 * @param {import('playwright-core').Browser} browser
 * @param {{ width?: number, height?: number }} [viewport]
 */
export async function openPage(browser, viewport = {}) {
  const context = await browser.newContext({
    viewport: { width: viewport.width ?? 1280, height: viewport.height ?? 800 },
    colorScheme: 'dark',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  /** @type {string[]} */
  const problems = [];
  const watch = { on: true };
  page.on('console', (m) => watch.on && m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => watch.on && problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => watch.on && r.status() >= 500 && problems.push(`server error: ${r.status()} ${r.url()}`));
  return { context, page, problems, watch };
}

/**
 * Saves a screenshot of the page.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/**
 * The serious and critical accessibility violations axe-core finds on the page.
 * @param {import('playwright-core').Page} page
 */
export async function axe(page) {
  // Evaluated over the DevTools protocol, which the page's CSP does not govern (a script
  // tag would be refused, as it should be).
  await page.evaluate(`${readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')}\n;true`);
  const result = await page.evaluate(async () => {
    // @ts-ignore: injected above
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((/** @type {any} */ v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')),
    }));
  });
  return result.filter((/** @type {any} */ v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The password every test account uses. */
export const PASSWORD = 'correct horse battery';

/**
 * Registers on the landing page of the server at `url`.
 * @param {import('playwright-core').Page} page
 * @param {string} url
 * @param {string} name
 */
export async function register(page, url, name) {
  await page.goto(url);
  await page.getByRole('button', { name: 'Register', exact: true }).first().click();
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.locator('form').getByRole('button', { name: 'Register' }).click();
  await page.getByRole('navigation', { name: 'Servers' }).waitFor();
}

/**
 * The message article whose text contains `text`.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
export const message = (page, text) =>
  page.locator('main [role="feed"] article').filter({ has: page.locator('.body', { hasText: text }) });

/**
 * Sends a message with the composer.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
export async function say(page, text) {
  const box = page.locator('#composer').first();
  await box.fill(text);
  await box.press('Enter');
  await message(page, text.replaceAll('**', '')).first().waitFor();
}

// The API reference at /api/docs: the vendored Swagger UI renders the server's own OpenAPI
// document with no network beyond the server, under the same strict CSP as the web client.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ChatServer, launch, openPage, shot } from './browser.mjs';

const server = new ChatServer();
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  await server.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server.remove();
});

test('the API reference renders every operation offline, with its schemas', async () => {
  const { page, problems } = await openPage(browser);
  /** @type {string[]} */
  const elsewhere = [];
  page.on('request', (r) => !r.url().startsWith(server.url) && !r.url().startsWith('data:') && elsewhere.push(r.url()));
  await page.goto(`${server.url}/api/docs`);
  const send = page.locator('.opblock', { hasText: '/api/v1/channels/{channel_id}/messages' })
    .filter({ has: page.locator('.opblock-summary-method', { hasText: 'POST' }) }).first();
  await send.waitFor();
  const doc = await (await fetch(`${server.url}/api/v1/openapi.json`)).json();
  const operations = Object.values(doc.paths).flatMap((item) => Object.keys(item)).length;
  assert.equal(await page.locator('.opblock').count(), operations);
  await send.locator('.opblock-summary').click();
  await send.getByText('201', { exact: true }).first().waitFor();
  await page.locator('.models').getByText('CreateMessage', { exact: true }).first().waitFor();
  await shot(page, 'api-docs');
  assert.deepEqual(elsewhere, []);
  assert.deepEqual(problems, []);
});

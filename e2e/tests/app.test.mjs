// The web client end to end, in headless Chromium against the real server: two people
// register, make a server, invite, join and chat live; react, reply, edit, delete, open a
// thread, search and jump, switch the theme; the page recovers after the server restarts
// and shows what it missed exactly once. No console errors, no failed requests, no serious
// accessibility violation; a screenshot of each main page.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { ChatServer, PASSWORD, SHOTS, axe, launch, message, openPage, register as registerAt, say, shot } from './browser.mjs';

const server = new ChatServer();
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof openPage>>} */
let alice;
/** @type {Awaited<ReturnType<typeof openPage>>} */
let bob;

before(async () => {
  await server.start();
  browser = await launch();
  alice = await openPage(browser);
  bob = await openPage(browser);
});

afterEach(async (t) => {
  // A failed step leaves both pages on disk to look at.
  if (t.passed === false || process.env.SHOT_EVERY_STEP) {
    const slug = t.name.replace(/\W+/g, '-').slice(0, 40);
    await alice?.page.screenshot({ path: `${SHOTS}/failed-${slug}-alice.png` }).catch(() => {});
    await bob?.page.screenshot({ path: `${SHOTS}/failed-${slug}-bob.png` }).catch(() => {});
  }
});

after(async () => {
  await browser?.close();
  await server.remove();
});

/**
 * Registers on this file's server.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
const register = (page, name) => registerAt(page, server.url, name);

test('the landing page introduces the product and has no serious accessibility issue', async () => {
  await alice.page.goto(server.url);
  await alice.page.getByRole('heading', { name: /community/ }).waitFor();
  await shot(alice.page, 'landing');
  assert.deepEqual(await axe(alice.page), []);
});

test('two people register, make a server, invite, join and chat live', async () => {
  await register(alice.page, 'alice');
  await alice.page.getByRole('button', { name: 'Create a server' }).click();
  await alice.page.getByLabel('Server name').fill('Rustaceans');
  await alice.page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
  await alice.page.getByRole('navigation', { name: 'Rustaceans channels' }).waitFor();
  await alice.page.getByRole('treeitem', { name: /general/ }).waitFor();
  await alice.page.locator('#composer').waitFor();

  await alice.page.getByRole('button', { name: 'Invite people' }).click();
  await alice.page.getByRole('button', { name: 'Create invite' }).click();
  const code = await alice.page.locator('[data-invite-code]').innerText();
  await alice.page.getByRole('button', { name: 'Done' }).click();
  assert.match(code, /^\w{6,}$/);

  await register(bob.page, 'bob');
  await bob.page.getByRole('button', { name: 'Join a server with an invite' }).click();
  await bob.page.getByLabel('Invite code or link').fill(code);
  await bob.page.getByRole('dialog').getByRole('button', { name: 'Join' }).click();
  await bob.page.getByRole('navigation', { name: 'Rustaceans channels' }).waitFor();

  await say(alice.page, 'hello bob, **welcome**');
  const seen = message(bob.page, 'hello bob');
  await seen.waitFor();
  assert.equal(await seen.locator('strong').innerText(), 'welcome', 'markdown rendered by the server');
  const members = alice.page.getByRole('complementary', { name: 'Members' });
  await members.getByRole('button', { name: /^bob\b.*online/ }).waitFor();
  await bob.page.locator('#composer').pressSequentially('hi al');
  await alice.page.getByText('bob is typing…').waitFor();
  await bob.page.locator('#composer').fill('');
  await say(bob.page, 'hi alice');
  await message(alice.page, 'hi alice').waitFor();
  await shot(alice.page, 'app-dark');
});

test('reactions, replies, edits and deletes reach the other side', async () => {
  const hers = message(bob.page, 'hello bob');
  await hers.hover();
  await hers.getByRole('button', { name: 'Add reaction' }).click();
  await bob.page.getByRole('button', { name: 'React with 👍' }).click();
  const reaction = message(alice.page, 'hello bob').getByRole('button', { name: /👍 1 reaction/ });
  await reaction.waitFor();
  assert.equal(await reaction.getAttribute('aria-pressed'), 'false', 'not alice own');
  await reaction.click();
  await message(bob.page, 'hello bob').getByRole('button', { name: /👍 2 reactions/ }).waitFor();

  await hers.hover();
  await hers.getByRole('button', { name: 'Reply' }).click();
  await bob.page.getByText('Replying to').waitFor();
  await say(bob.page, 'answering you');
  const reply = message(alice.page, 'answering you');
  await reply.waitFor();
  assert.match(await reply.locator('.reply-ref').innerText(), /alice/);

  const id = await message(bob.page, 'hi alice').getAttribute('data-message-id');
  const mine = bob.page.locator(`[data-message-id="${id}"]`);
  await mine.hover();
  await mine.getByRole('button', { name: 'Edit' }).click();
  await mine.locator('textarea').fill('hi alice (edited by me)');
  await mine.locator('textarea').press('Enter');
  await message(alice.page, 'edited by me').getByRole('button', { name: '(edited)' }).waitFor();

  await say(alice.page, 'this one goes away');
  await message(bob.page, 'this one goes away').waitFor();
  alice.page.once('dialog', (d) => d.accept());
  const doomed = message(alice.page, 'this one goes away');
  await doomed.hover();
  await doomed.getByRole('button', { name: 'Delete' }).click();
  await message(bob.page, 'this one goes away').waitFor({ state: 'detached' });
});

test('a failed send shows a retry, and the retry sends it once', async () => {
  alice.watch.on = false; // the refused request is the point here
  await alice.page.route('**/api/v1/channels/*/messages', (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"code":"unavailable","message":"try again"}' })
      : route.continue(),
  );
  const box = alice.page.locator('#composer');
  await box.fill('sent on the second try');
  await box.press('Enter');
  const failed = alice.page.locator('article.failed', { hasText: 'sent on the second try' });
  await failed.getByRole('alert').filter({ hasText: 'Not sent' }).waitFor();
  await alice.page.unroute('**/api/v1/channels/*/messages');
  alice.watch.on = true;
  await failed.getByRole('button', { name: 'Retry' }).click();
  await message(bob.page, 'sent on the second try').waitFor();
  await alice.page.locator('article.failed').waitFor({ state: 'detached' });
  assert.equal(await message(alice.page, 'sent on the second try').count(), 1);
});

test('unread channels are marked until read', async () => {
  await alice.page.getByRole('button', { name: 'Create a channel' }).click();
  await alice.page.getByRole('dialog').getByLabel('Name').fill('random');
  await alice.page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
  await alice.page.getByRole('heading', { name: /random/ }).waitFor();
  await say(alice.page, 'over here');
  const unread = bob.page.getByRole('treeitem', { name: 'random, unread' });
  await unread.waitFor();
  await unread.click();
  await message(bob.page, 'over here').waitFor();
  await bob.page.getByRole('treeitem', { name: 'random', exact: true }).waitFor();
  await bob.page.getByRole('treeitem', { name: /general/ }).click();
  await alice.page.getByRole('treeitem', { name: /general/ }).click();
});

test('a mention picked from the suggestions reaches the other side with a badge', async () => {
  await bob.page.getByRole('treeitem', { name: /random/ }).click();
  const box = alice.page.locator('#composer');
  await box.pressSequentially('look @bo');
  const suggestions = alice.page.getByRole('listbox', { name: 'Suggestions' });
  await suggestions.getByRole('option', { name: /bob/ }).waitFor();
  await box.press('Enter');
  assert.equal(await box.inputValue(), 'look @bob ');
  await box.pressSequentially('this ||secret|| :tad');
  await suggestions.getByRole('option', { name: /:tada:/ }).waitFor();
  await box.press('Tab');
  const sent = alice.page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/messages'));
  await box.press('Enter');
  const body = JSON.parse((await sent).postData() ?? '{}');
  assert.match(body.content, /^look <@\w{26}> this \|\|secret\|\| 🎉$/, 'sent in the wire form');

  const badge = bob.page.getByRole('treeitem', { name: 'general, 1 mentions' });
  await badge.waitFor();
  await badge.click();
  const seen = message(bob.page, 'this');
  await seen.locator('.mention[data-user-id]', { hasText: '@bob' }).waitFor();
  assert.match(await seen.getAttribute('class') ?? '', /mentioned/);
  const spoiler = seen.locator('.spoiler');
  assert.equal(await spoiler.innerText(), 'secret');
  await spoiler.click();
  assert.match(await spoiler.getAttribute('class') ?? '', /shown/);
  await shot(bob.page, 'mention');
});

test('a mention shows a desktop notification, and a server set to nothing stays quiet', async () => {
  await bob.context.grantPermissions(['notifications'], { origin: server.url });
  await bob.page.evaluate(() => {
    const Real = window.Notification;
    /** @type {any} */ (window).shown = [];
    window.Notification = class extends Real {
      /** @param {string} title @param {NotificationOptions} [options] */
      constructor(title, options) {
        /** @type {any} */ (window).shown.push(title);
        super(title, options);
      }
    };
  });
  const shown = () => bob.page.evaluate(() => /** @type {any} */ (window).shown.length);
  await bob.page.getByRole('treeitem', { name: /random/ }).click();
  await say(alice.page, '@bob are you around?');
  await bob.page.waitForFunction(() => /** @type {any} */ (window).shown.includes('alice mentioned you in #general'));

  await bob.page.getByRole('button', { name: 'Server notification settings' }).click();
  const dialog = bob.page.getByRole('dialog', { name: 'Notifications for Rustaceans' });
  await dialog.getByRole('radio', { name: /^Nothing/ }).check();
  await shot(bob.page, 'notification-settings');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  const before = await shown();
  await say(alice.page, '@bob still there?');
  await bob.page.waitForTimeout(500);
  assert.equal(await shown(), before, 'no notification once the server is set to nothing');
  await bob.page.getByRole('button', { name: 'Server notification settings' }).click();
  assert.equal(await dialog.getByRole('radio', { name: /^Nothing/ }).isChecked(), true, 'the setting was saved');
  await dialog.getByRole('radio', { name: /^All notifications/ }).check();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await bob.page.getByRole('treeitem', { name: /general/ }).click();
});

test('files uploaded with progress show as a preview and a card on the other side', async () => {
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478' +
      '9c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082',
    'hex',
  );
  await alice.page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.sawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector('progress[aria-label="Upload progress"]')) w.sawProgress = true;
    }).observe(document.body, { subtree: true, childList: true });
  });
  await alice.page.getByLabel('Files to attach').setInputFiles([
    { name: 'dot.png', mimeType: 'image/png', buffer: png },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('some notes') },
  ]);
  const staged = alice.page.getByRole('list', { name: 'Files to send' });
  await staged.getByText('dot.png').waitFor();
  await alice.page.getByRole('button', { name: 'Remove notes.txt' }).click();
  await alice.page.getByLabel('Files to attach').setInputFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('some notes') }]);
  // A paste and a drop stage files too.
  await alice.page.locator('#composer').evaluate((box) => {
    const data = new DataTransfer();
    data.items.add(new File(['pasted'], 'pasted.txt', { type: 'text/plain' }));
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await staged.getByText('pasted.txt').waitFor();
  await alice.page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(['dropped'], 'dropped.txt', { type: 'text/plain' }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await staged.getByText('dropped.txt').waitFor();
  await alice.page.getByRole('button', { name: 'Remove pasted.txt' }).click();
  await alice.page.getByRole('button', { name: 'Remove dropped.txt' }).click();
  await say(alice.page, 'a picture and notes');
  assert.equal(await alice.page.evaluate(() => /** @type {any} */ (window).sawProgress), true, 'the upload showed its progress');
  const seen = message(bob.page, 'a picture and notes');
  const image = seen.locator('img[alt="dot.png"]');
  await image.waitFor();
  await bob.page.waitForFunction((img) => /** @type {HTMLImageElement} */ (img)?.naturalWidth === 1, await image.elementHandle());
  await seen.getByRole('link', { name: 'notes.txt' }).waitFor();
  await shot(bob.page, 'attachments');
});

test('a DM opens from a member card, shows when it is seen, and a custom status shows to others', async () => {
  await bob.page.evaluate(() => { location.hash = '#/settings/notifications'; });
  const shared = bob.page.waitForResponse((r) => r.url().endsWith('/auth/me') && r.request().method() === 'PATCH');
  await bob.page.getByLabel(/Share read receipts/).check();
  await shared;
  await bob.page.getByRole('button', { name: '← Back to chat' }).click();

  await alice.page.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /^bob\b/ }).click();
  await alice.page.getByRole('dialog').getByRole('button', { name: 'Message' }).click();
  await alice.page.getByRole('heading', { name: /bob/ }).waitFor();
  await say(alice.page, 'psst, just you');
  await message(alice.page, 'psst, just you').locator('[data-delivery="delivered"]').waitFor();
  await bob.page.getByRole('button', { name: /^Direct messages/ }).click();
  await bob.page.getByRole('link', { name: /alice/ }).click();
  await message(bob.page, 'psst, just you').waitFor();
  await message(alice.page, 'psst, just you').getByText('Seen by bob').waitFor();
  await alice.page.getByLabel('Search direct messages').fill('pss');
  await alice.page.getByLabel('Search direct messages').press('Enter');
  const found = alice.page.getByRole('complementary', { name: 'Search results' });
  await found.locator('[data-total]').filter({ hasText: '1 result' }).waitFor();
  await found.getByRole('button', { name: 'Close search' }).click();

  await bob.page.getByRole('button', { name: 'Set status' }).click();
  await bob.page.getByLabel('Do not disturb').check();
  await bob.page.getByLabel('Custom status').fill('deep in the borrow checker');
  await bob.page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
  await alice.page.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: /Rustaceans/ }).click();
  const card = alice.page.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /^bob\b.*dnd/ });
  await card.getByText('deep in the borrow checker').waitFor();
  await bob.page.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: /Rustaceans/ }).click();
});

test('a thread opens in the side panel', async () => {
  const start = message(alice.page, 'hello bob');
  await start.hover();
  alice.page.once('dialog', (d) => d.accept('planning'));
  await start.getByRole('button', { name: 'Start a thread' }).click();
  const panel = alice.page.getByRole('complementary', { name: 'Thread' });
  await panel.getByRole('heading', { name: /planning/ }).waitFor();
  await panel.locator('#composer').fill('first in the thread');
  await panel.locator('#composer').press('Enter');
  await panel.locator('article', { hasText: 'first in the thread' }).waitFor();
  await panel.getByRole('button', { name: 'Close the thread' }).click();
});

test('search finds a message by a prefix and a click jumps to it', async () => {
  await say(alice.page, 'the quokka is the happiest animal');
  for (let i = 0; i < 3; i += 1) await say(alice.page, `filler ${i}`);
  await alice.page.getByLabel('Search Rustaceans').fill('quok');
  await alice.page.getByLabel('Search Rustaceans').press('Enter');
  const results = alice.page.getByRole('complementary', { name: 'Search results' });
  await results.locator('[data-total]').filter({ hasText: '1 result' }).waitFor();
  assert.match(await results.locator('.hit b, .hit mark').first().innerText(), /^quok$/i, 'the part found is marked');
  await shot(alice.page, 'search-results');
  await results.locator('.hit').first().click();
  await alice.page.locator('article.highlight', { hasText: 'quokka' }).waitFor();
  const page = await alice.page.evaluate(() => {
    const { scrollTop, scrollHeight } = /** @type {Element} */ (document.scrollingElement);
    return { scrollTop, fits: scrollHeight <= innerHeight };
  });
  assert.deepEqual(page, { scrollTop: 0, fits: true }, 'the page stays put: only its panes scroll');
  await results.getByRole('button', { name: 'Close search' }).click();
});

test('the theme switches to light and is remembered', async () => {
  await alice.page.locator('[data-theme-toggle]').click();
  assert.equal(await alice.page.evaluate(() => document.documentElement.dataset.theme), 'light');
  await alice.page.reload();
  await message(alice.page, 'hello bob').waitFor();
  assert.equal(await alice.page.evaluate(() => document.documentElement.dataset.theme), 'light');
  await shot(alice.page, 'app-light');
  assert.deepEqual(await axe(alice.page), [], 'app shell, light');
  await alice.page.locator('[data-theme-toggle]').click();
  assert.deepEqual(await axe(alice.page), [], 'app shell, dark');
});

test('settings pages offer what the user may do', async () => {
  await alice.page.getByRole('button', { name: 'Server settings' }).click();
  await alice.page.getByRole('heading', { name: 'Server overview' }).waitFor();
  await shot(alice.page, 'server-settings');
  assert.deepEqual(await axe(alice.page), []);
  await alice.page.getByRole('button', { name: 'Roles' }).click();
  await alice.page.getByRole('button', { name: 'Create role' }).click();
  await alice.page.getByRole('form', { name: /Edit new role/ }).waitFor();
  await alice.page.getByRole('button', { name: /Back to Rustaceans/ }).click();

  // Bob is a plain member: no management tabs, only leaving.
  await bob.page.getByRole('button', { name: 'Server settings' }).click();
  await bob.page.getByRole('navigation', { name: 'Rustaceans settings' }).getByRole('button', { name: 'Leave' }).click();
  await bob.page.getByRole('button', { name: 'Leave server' }).waitFor();
  assert.equal(await bob.page.getByRole('button', { name: 'Roles' }).count(), 0);
  assert.equal(await bob.page.getByRole('button', { name: 'Create a channel' }).count(), 0);
  await bob.page.getByRole('button', { name: /Back to Rustaceans/ }).click();

  await alice.page.getByRole('button', { name: 'User settings' }).click();
  await alice.page.getByRole('heading', { name: 'My profile' }).waitFor();
  await alice.page.getByLabel('Display name').fill('Alice A.');
  await alice.page.getByRole('button', { name: 'Save' }).click();
  await alice.page.getByText('Saved.').waitFor();
  await shot(alice.page, 'user-settings');
  assert.deepEqual(await axe(alice.page), []);
  await alice.page.getByRole('button', { name: 'Back to chat' }).click();
});

test('the page recovers after the server restarts and shows what it missed once', async () => {
  for (const page of [alice.page, bob.page]) {
    await page.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: /Rustaceans/ }).click();
    await message(page, 'hello bob').waitFor();
  }
  // The socket drops while the server is down: expected errors, not watched.
  bob.watch.on = false;
  alice.watch.on = false;
  await server.stop();
  await bob.page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();
  await server.start();
  // Sent through the API before bob's page reconnects.
  const login = await (await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: PASSWORD }),
  })).json();
  const servers = await (await fetch(`${server.url}/api/v1/servers`, { headers: { authorization: `Bearer ${login.token}` } })).json();
  const general = servers[0].system_channel_id;
  for (const text of ['missed one', 'missed two']) {
    const sent = await fetch(`${server.url}/api/v1/channels/${general}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
      body: JSON.stringify({ content: text }),
    });
    assert.equal(sent.status, 201);
  }
  await message(bob.page, 'missed two').waitFor({ timeout: 30_000 });
  await bob.page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor({ state: 'detached', timeout: 30_000 });
  bob.watch.on = true;
  alice.watch.on = true;
  assert.equal(await message(bob.page, 'missed one').count(), 1, 'shown once');
  assert.equal(await message(bob.page, 'missed two').count(), 1, 'shown once');
  await say(bob.page, 'back online');
  await message(alice.page, 'back online').waitFor({ timeout: 30_000 });
});

test('usable at 360 px wide: the sidebars collapse behind a toggle', async () => {
  const narrow = await openPage(browser, { width: 360, height: 740 });
  await narrow.page.goto(server.url);
  await narrow.page.getByLabel('Username').fill('alice');
  await narrow.page.getByLabel('Password').fill(PASSWORD);
  await narrow.page.locator('form').getByRole('button', { name: 'Log in' }).click();
  await narrow.page.getByRole('button', { name: 'Channels and servers' }).click();
  await narrow.page.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: /Rustaceans/ }).click();
  await message(narrow.page, 'back online').waitFor();
  const offScreen = await narrow.page.locator('.channel-header').evaluate((header) =>
    [...header.querySelectorAll('button, input')]
      .filter((control) => control.getBoundingClientRect().right > innerWidth)
      .map((control) => control.getAttribute('aria-label') ?? control.id),
  );
  assert.deepEqual(offScreen, [], 'every control of the header is on the screen');
  await narrow.page.getByRole('button', { name: 'Member list' }).click();
  await narrow.page.getByRole('complementary', { name: 'Members' }).getByText('bob').first().waitFor();
  await shot(narrow.page, 'narrow-360-members');
  await narrow.page.getByRole('button', { name: 'Member list' }).click();
  await shot(narrow.page, 'narrow-360');
  const fitsAcross = () => narrow.page.evaluate(() => /** @type {Element} */ (document.scrollingElement).scrollWidth <= innerWidth);
  assert.equal(await fitsAcross(), true, 'nothing sticks out sideways: the chat');
  await narrow.page.getByRole('button', { name: 'Channels and servers' }).click();
  await narrow.page.getByRole('button', { name: 'User settings' }).click();
  await narrow.page.getByRole('heading', { name: 'My profile' }).waitFor();
  await shot(narrow.page, 'narrow-360-settings');
  assert.equal(await fitsAcross(), true, 'the settings');
  assert.deepEqual(narrow.problems, []);
  await narrow.context.close();
});

test('the keyboard moves through servers, channels and messages', async () => {
  const page = alice.page;
  const active = () => page.evaluate(() => document.activeElement?.textContent?.trim().slice(0, 40) ?? '');
  await page.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: /Rustaceans/ }).focus();
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Direct messages');
  await page.getByRole('treeitem', { name: /general/ }).focus();
  await page.keyboard.press('ArrowDown');
  assert.match(await active(), /planning/, 'the thread under #general');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: /planning/ }).waitFor();
  await page.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: /Rustaceans/ }).click();
  // The channel is open once its messages show and its composer took the focus (after the
  // render): focusing a message before that would lose the focus to the composer.
  await message(page, 'back online').waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === 'TEXTAREA');
  const last = page.locator('main [role="feed"] article[tabindex="0"]');
  await last.focus();
  const before = await active();
  assert.notEqual(before, '', 'a message has the focus');
  await page.keyboard.press('ArrowUp');
  assert.notEqual(await active(), before, 'moved to the message above');
});

test('no console errors and no failed requests on either page', () => {
  assert.deepEqual(alice.problems, []);
  assert.deepEqual(bob.problems, []);
});

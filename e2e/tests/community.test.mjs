// Community and safety end to end, in headless Chromium against the real server: a
// moderator times a member out (the member's composer closes and says until when), reads the
// audit log with the reason, and lifts the timeout; two strangers become friends by username
// and DM, a block collapses the blocked one's messages; someone turns on two-factor
// authentication with the QR code's key and logs in with a code. No console errors, no
// failed requests, no serious accessibility violation; a screenshot of each page.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { after, afterEach, before, test } from 'node:test';
import { CHAT, ChatServer, PASSWORD, SHOTS, axe, launch, message, openPage, register, say, shot } from './browser.mjs';

const server = new ChatServer();
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof openPage>>} */
let alice;
/** @type {Awaited<ReturnType<typeof openPage>>} */
let bob;
/** @type {Awaited<ReturnType<typeof openPage>>} */
let carol;
/** @type {{ id: string, invite_code: string, system_channel_id: string }} */
let guild;
/** The server's #general. */
let general = '';

/**
 * Calls the API as the user the page is logged in as.
 * @param {import('playwright-core').Page} page
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
async function api(page, method, path, body) {
  const token = await page.evaluate(() => localStorage.getItem('chat.token'));
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

/**
 * The code an authenticator app shows for a base32 secret (RFC 6238: SHA-1, 6 digits, 30 s),
 * `steps` steps from now: a code works once, so a second one within a step is the next
 * step's (which the server accepts a step early).
 * @param {string} secret
 * @param {number} [steps]
 */
function totp(secret, steps = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret.replace(/=+$/, '')].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g)?.map((byte) => parseInt(byte, 2)) ?? []);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + steps));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

before(async () => {
  // The operator makes an instance administrator before starting the server.
  execFileSync(CHAT, ['--data-dir', server.dir, 'admin', 'create', '--username', 'root', '--password', PASSWORD]);
  await server.start();
  browser = await launch();
  alice = await openPage(browser);
  bob = await openPage(browser);
  carol = await openPage(browser);
  await register(alice.page, server.url, 'alice');
  await register(bob.page, server.url, 'bob');
  guild = await api(alice.page, 'POST', '/servers', { name: 'Moderated', description: 'Where we keep it civil', is_public: true });
  general = guild.system_channel_id;
  await api(bob.page, 'POST', `/invites/${guild.invite_code}`);
  for (const page of [alice.page, bob.page]) {
    await page.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: /Moderated/ }).click();
    await page.locator('#composer').waitFor();
  }
});

afterEach(async (t) => {
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

test('a moderator times a member out: the composer closes, the audit log says why', async () => {
  await say(bob.page, 'I will behave');
  await alice.page.getByRole('button', { name: 'Server settings' }).click();
  await alice.page.getByRole('navigation', { name: 'Moderated settings' }).getByRole('button', { name: 'Members' }).click();
  await alice.page.getByRole('button', { name: 'Time out bob' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'Time out bob' });
  await dialog.getByLabel('Duration').selectOption({ label: '1 hour' });
  await dialog.getByLabel('Reason (for the audit log)').fill('cool down, please');
  await shot(alice.page, 'timeout-dialog');
  assert.deepEqual(await axe(alice.page), []);
  await dialog.getByRole('button', { name: 'Time out' }).click();
  await alice.page.getByRole('button', { name: 'Remove the timeout of bob' }).waitFor();

  const box = bob.page.locator('#composer');
  await bob.page.getByText(/You are timed out until/).first().waitFor();
  assert.equal(await box.isDisabled(), true, 'the composer is closed');
  assert.equal(await bob.page.getByRole('button', { name: 'Send' }).isDisabled(), true);
  await message(bob.page, 'I will behave').waitFor();
  await shot(bob.page, 'timed-out-member');

  await api(alice.page, 'POST', `/servers/${guild.id}/roles`, { name: 'helpers' });
  await alice.page.locator('tr', { hasText: 'bob' }).getByRole('checkbox', { name: 'helpers' }).check();

  await alice.page.getByRole('navigation', { name: 'Moderated settings' }).getByRole('button', { name: 'Audit log' }).click();
  const entries = alice.page.getByRole('list', { name: 'Audit log entries' });
  const given = entries.getByRole('listitem').filter({ hasText: "changed a member's roles" });
  await given.waitFor();
  assert.match(await given.innerText(), /Roles given: — → @helpers/, 'the role by its name');
  const entry = entries.getByRole('listitem').filter({ hasText: 'Reason: cool down, please' });
  await entry.waitFor();
  assert.match(await entry.innerText(), /alice updated member bob/);
  assert.match(await entry.innerText(), /Timed out until: — → \S/, 'the field and the time, as people read them');
  await alice.page.getByLabel('Filter by action').selectOption('server_update');
  await alice.page.getByText('Nothing recorded yet.').waitFor();
  await alice.page.getByLabel('Filter by action').selectOption('');
  await entry.waitFor();
  await shot(alice.page, 'audit-log');
  assert.deepEqual(await axe(alice.page), []);

  await alice.page.getByRole('navigation', { name: 'Moderated settings' }).getByRole('button', { name: 'Members' }).click();
  await alice.page.getByRole('button', { name: 'Remove the timeout of bob' }).click();
  await bob.page.getByText(/You are timed out until/).waitFor({ state: 'detached' });
  assert.equal(await box.isDisabled(), false, 'the composer opens again');
  await say(bob.page, 'thanks');
  await alice.page.getByRole('button', { name: /Back to Moderated/ }).click();
  await message(alice.page, 'thanks').waitFor();
});

test('a thread is locked and archived: the lock shows, the archive lists it', async () => {
  const starter = await api(alice.page, 'POST', `/channels/${general}/messages`, { content: 'thread starter' });
  await api(alice.page, 'POST', `/channels/${general}/messages/${starter.id}/threads`, { name: 'plans' });
  for (const page of [alice.page, bob.page]) await page.getByRole('button', { name: '🧵 plans' }).waitFor();
  await alice.page.getByRole('button', { name: '🧵 plans' }).click();
  const panel = alice.page.getByRole('complementary', { name: 'Thread' });
  await panel.getByRole('button', { name: 'Lock' }).click();
  await bob.page.getByRole('treeitem', { name: 'plans' }).getByLabel('locked').waitFor();
  await bob.page.getByRole('button', { name: '🧵 plans' }).click();
  const bobs = bob.page.getByRole('complementary', { name: 'Thread' });
  assert.equal(await bobs.getByRole('button', { name: 'Lock' }).count(), 0, 'no lock for plain members');
  await bobs.getByPlaceholder('This thread is locked').waitFor();
  await shot(bob.page, 'thread-locked');

  await panel.getByRole('button', { name: 'Archive' }).click();
  await panel.getByText('This thread is archived and locked.').waitFor();
  await bob.page.getByRole('treeitem', { name: 'plans' }).waitFor({ state: 'detached' });
  await bob.page.getByRole('button', { name: 'Archived threads' }).click();
  const archive = bob.page.getByRole('complementary', { name: 'Archived threads' });
  await archive.getByRole('button', { name: /plans/ }).waitFor();
  await shot(bob.page, 'archived-threads');
  assert.deepEqual(await axe(bob.page), []);
  await archive.getByRole('button', { name: 'Close archived threads' }).click();
});

test('an NSFW channel asks once before showing itself', async () => {
  await alice.page.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: /Moderated/ }).click();
  await alice.page.getByRole('button', { name: 'Server settings' }).click();
  await alice.page.getByRole('navigation', { name: 'Moderated settings' }).getByRole('button', { name: 'Channels' }).click();
  await alice.page.getByRole('button', { name: 'Edit' }).first().click();
  await alice.page.getByLabel(/Age-restricted/).check();
  await alice.page.getByRole('button', { name: 'Save' }).first().click();
  await alice.page.getByText('Saved.').waitFor();
  await alice.page.getByRole('button', { name: /Back to Moderated/ }).click();

  await bob.page.getByRole('heading', { name: /is age-restricted/ }).waitFor();
  await shot(bob.page, 'nsfw-gate');
  assert.deepEqual(await axe(bob.page), []);
  await bob.page.getByRole('button', { name: 'Continue' }).click();
  await message(bob.page, 'thanks').waitFor();
  await bob.page.reload();
  await message(bob.page, 'thanks').waitFor();
  assert.equal(await bob.page.getByRole('heading', { name: /is age-restricted/ }).count(), 0, 'asked once');
});

test('a stranger is added as a friend by username and DMed; a block collapses their messages', async () => {
  await register(carol.page, server.url, 'carol');
  await carol.page.getByRole('link', { name: 'Friends' }).click();
  // A refused request is an answer the page expects: its 404 is not a problem.
  carol.watch.on = false;
  await carol.page.getByLabel('Add friend').fill('nobody');
  await carol.page.getByRole('button', { name: 'Send friend request' }).click();
  await carol.page.getByText('No one is called nobody.').waitFor();
  carol.watch.on = true;
  await carol.page.getByLabel('Add friend').fill('alice');
  await carol.page.getByRole('button', { name: 'Send friend request' }).click();
  await carol.page.getByText('Friend request sent to alice.').waitFor();

  await alice.page.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: 'Direct messages' }).click();
  await alice.page.getByRole('link', { name: /Friends/ }).click();
  await alice.page.getByRole('tab', { name: /Pending/ }).click();
  await alice.page.getByRole('button', { name: 'Accept carol' }).click();
  // Friends see each other online without sharing a server.
  await alice.page.getByRole('tab', { name: 'Online' }).click();
  await alice.page.getByRole('button', { name: 'Message carol' }).waitFor();
  await shot(alice.page, 'friends');
  assert.deepEqual(await axe(alice.page), []);
  await alice.page.getByRole('button', { name: 'Message carol' }).click();
  await alice.page.locator('#composer').waitFor();
  await say(alice.page, 'hello new friend');
  await carol.page.getByRole('link', { name: /alice/ }).click();
  await message(carol.page, 'hello new friend').waitFor();
  await say(carol.page, 'hi alice!');
  await message(alice.page, 'hi alice!').waitFor();

  // Blocking: carol's messages collapse for alice, and carol can no longer write.
  await alice.page.getByRole('link', { name: /Friends/ }).click();
  await alice.page.getByRole('tab', { name: 'All' }).click();
  await alice.page.getByRole('button', { name: 'Block carol' }).click();
  await alice.page.getByRole('tab', { name: 'Blocked' }).click();
  await alice.page.getByRole('button', { name: 'Unblock carol' }).waitFor();
  await alice.page.getByRole('link', { name: /carol/ }).click();
  await alice.page.getByText('Blocked message').first().waitFor();
  await shot(alice.page, 'blocked-message');
  await alice.page.getByRole('button', { name: 'Show' }).first().click();
  await message(alice.page, 'hi alice!').waitFor();
  carol.watch.on = false;
  const box = carol.page.locator('#composer');
  await box.fill('are you there?');
  await box.press('Enter');
  await carol.page.getByRole('alert').filter({ hasText: 'you cannot message this user' }).waitFor();
  carol.watch.on = true;
});

test('two-factor authentication is turned on with the QR code and asked for at login', async () => {
  const page = carol.page;
  await page.getByRole('button', { name: 'User settings' }).click();
  await page.getByRole('button', { name: 'Account security' }).click();
  await page.getByRole('button', { name: 'Enable two-factor authentication' }).click();
  await page.getByRole('img', { name: /QR code/ }).waitFor();
  const secret = await page.locator('[data-totp-secret]').innerText();
  await shot(page, 'totp-setup');
  assert.deepEqual(await axe(page), []);
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByRole('list', { name: 'Backup codes' }).getByRole('listitem');
  await codes.first().waitFor();
  assert.equal(await codes.count(), 10);
  await page.getByRole('list', { name: 'Devices' }).getByText(/this device/).waitFor();

  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
  await page.getByLabel('Username').fill('carol');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.locator('form').getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
  await shot(page, 'login-code');
  await page.getByLabel('Code').fill(totp(secret, 1));
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Servers' }).waitFor();
});

test('an invite link shows its server to someone without an account, who registers and joins', async () => {
  const invite = await api(alice.page, 'POST', `/servers/${guild.id}/invites`, {});
  const visitor = await openPage(browser);
  await visitor.page.goto(`${server.url}/#/invite/${invite.code}`);
  const card = visitor.page.getByRole('region', { name: 'Moderated' });
  await card.getByText('Where we keep it civil').waitFor();
  await card.getByText(/2 members/).waitFor();
  await visitor.page.getByRole('heading', { name: 'Public servers' }).waitFor();
  await shot(visitor.page, 'invite-landing');
  assert.deepEqual(await axe(visitor.page), []);
  await visitor.page.getByRole('button', { name: 'Register', exact: true }).first().click();
  await visitor.page.getByLabel('Username').fill('dana');
  await visitor.page.getByLabel('Password').fill(PASSWORD);
  await visitor.page.locator('form').getByRole('button', { name: 'Register' }).click();
  await visitor.page.getByRole('button', { name: 'Accept the invite' }).click();
  await visitor.page.getByRole('navigation', { name: 'Moderated channels' }).waitFor();
  assert.deepEqual(visitor.problems, []);
  await visitor.context.close();
});

test('an instance administrator disables an account, whose page is closed, and a server, closed to its members', async () => {
  const admin = await openPage(browser);
  await admin.page.goto(server.url);
  await admin.page.getByLabel('Username').fill('root');
  await admin.page.getByLabel('Password').fill(PASSWORD);
  await admin.page.locator('form').getByRole('button', { name: 'Log in' }).click();
  await admin.page.getByRole('button', { name: 'Administration' }).click();
  await admin.page.getByRole('cell', { name: 'Moderated', exact: true }).waitFor();
  await shot(admin.page, 'admin-servers');
  assert.deepEqual(await axe(admin.page), []);
  await admin.page.getByRole('navigation', { name: 'Administration' }).getByRole('button', { name: 'Users' }).click();
  await admin.page.getByLabel('Username').fill('carol');
  await admin.page.getByRole('button', { name: 'Search' }).click();
  await admin.page.getByRole('button', { name: 'Disable carol' }).waitFor();
  // Carol's page is thrown out: the requests it makes after that are expected to fail.
  carol.watch.on = false;
  admin.page.once('dialog', (dialog) => dialog.accept('spam'));
  await admin.page.getByRole('button', { name: 'Disable carol' }).click();
  await admin.page.getByRole('cell', { name: 'Disabled: spam' }).waitFor();
  await carol.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
  await shot(admin.page, 'admin-users');
  // A disabled server closes for its members at once, and opens again when enabled.
  await admin.page.getByRole('navigation', { name: 'Administration' }).getByRole('button', { name: 'Servers' }).click();
  admin.page.once('dialog', (dialog) => dialog.accept('raid'));
  await admin.page.getByRole('button', { name: 'Disable the server Moderated' }).click();
  await admin.page.getByRole('cell', { name: 'Disabled: raid' }).waitFor();
  await bob.page.getByRole('heading', { name: 'Moderated is disabled' }).waitFor();
  assert.equal(await bob.page.locator('#composer').count(), 0, 'no composer in a disabled server');
  const header = bob.page.locator('.channel-header');
  assert.equal(await header.getByRole('search').count(), 0, 'no search in a disabled server');
  assert.equal(await header.getByRole('button', { name: 'Pinned messages' }).count(), 0, 'nor pins');
  await shot(bob.page, 'server-disabled');
  assert.deepEqual(await axe(bob.page), []);
  await admin.page.getByRole('button', { name: 'Enable the server Moderated' }).click();
  await admin.page.getByRole('cell', { name: 'Active', exact: true }).first().waitFor();
  await bob.page.locator('#composer').waitFor();
  await header.getByRole('button', { name: 'Pinned messages' }).waitFor();
  await bob.page.getByRole('tree', { name: 'Channels' }).getByRole('treeitem', { name: /general/ }).waitFor();
  assert.deepEqual(admin.problems, []);
  // Nobody else has the page.
  assert.equal(await bob.page.getByRole('button', { name: 'Administration' }).count(), 0);
  await admin.context.close();
});

test('no console errors and no failed requests on either page', () => {
  assert.deepEqual(alice.problems, []);
  assert.deepEqual(bob.problems, []);
  assert.deepEqual(carol.problems.filter((p) => !p.includes('401')), []);
});

// @ts-check
// What the client does: sign in and out, follow the gateway, page history, send (with an
// optimistic message reconciled by nonce), react, edit, read. Components call these; only
// these change the store.

import * as api from './api.js';
import { Gateway } from './gateway.js';
import { applyEvent } from './events.js';
import { announce, loadNotificationSettings } from './notifications.js';
import { getState, historyOf, mergeMessages, normalizeChannel, resetState, setState, withEntry } from './store.js';

/** @typedef {import('./store.js').Message} Message */

const PAGE = 50;

/** @type {Gateway | null} */
let gateway = null;

/** @type {Set<string>} */
const fetchingUsers = new Set();

/**
 * Registers or logs in, then connects. With two-factor authentication on, a login answers
 * the ticket of its second step instead (see `signInWithCode`).
 * @param {'login' | 'register'} kind
 * @param {{ username: string, password: string, email?: string }} body
 * @returns {Promise<string | null>} the ticket, when a code is needed
 */
export async function signIn(kind, body) {
  const answer = await api.post(`/auth/${kind}`, body);
  if (answer.mfa_required) return answer.ticket;
  start(answer);
  return null;
}

/**
 * The second step of a login: the ticket and a code of the authenticator app (or a backup
 * code).
 * @param {string} ticket
 * @param {string} code
 */
export async function signInWithCode(ticket, code) {
  start(await api.post('/auth/mfa/totp', { ticket, code }));
}

/** @param {{ token: string, refresh_token: string, user: import('./store.js').User }} answer */
function start(answer) {
  api.keepTokens(answer);
  setState((s) => ({ me: answer.user, users: withEntry(s.users, answer.user.id, answer.user) }));
  connect();
}

/** Resumes a stored login; false when there is none or it expired. */
export async function restore() {
  if (!api.token()) return false;
  try {
    const me = await api.get('/auth/me');
    setState((s) => ({ me, users: withEntry(s.users, me.id, me) }));
    connect();
    return true;
  } catch {
    api.forgetTokens();
    return false;
  }
}

/** Logs out: revokes the session, closes the gateway, forgets everything. */
export async function signOut() {
  try {
    await api.post('/auth/logout');
  } catch {
    // Logged out already.
  }
  gateway?.stop();
  gateway = null;
  api.forgetTokens();
  resetState();
  location.hash = '#/';
}

function connect() {
  gateway?.stop();
  gateway = new Gateway({
    token: api.token,
    onDispatch: (type, data) => {
      // A server enabled again: its channels, hidden while it was disabled, come back.
      const reopened = type === 'SERVER_UPDATE' && getState().servers[data.id]?.disabled && !data.disabled;
      applyEvent(type, data);
      if (reopened) loadServer(data.id);
      if (type === 'READY' || type === 'RESUMED') catchUp();
      if (type === 'MESSAGE_CREATE' || type === 'MESSAGE_UPDATE') ensureUsers([data.author_id]);
      if (type === 'MEMBER_ADD') {
        ensureUsers([data.user_id]);
        // The newcomer's presence was announced before they shared this server.
        requestMembers(data.server_id);
      }
      if (type === 'SERVER_CREATE') loadServer(data.id);
      if (type === 'NOTIFICATION_CREATE') announce(data);
      if (type === 'READY') loadNotificationSettings().catch(() => {});
      if (type === 'READY' || type === 'RESUMED') loadRelationships();
      if (type === 'RELATIONSHIP_ADD' && data.type === 'friend') loadFriendPresence(data.id);
    },
    onState: (connection) => setState({ connection }),
    onFatal: () => signOut(),
  });
  gateway.start();
}

/**
 * After a (re)connection: the open histories fetch what came after their newest message,
 * so nothing missed is lost and nothing is shown twice.
 */
async function catchUp() {
  const s = getState();
  for (const [channel, history] of Object.entries(s.messages)) {
    const newest = [...history.list].reverse().find((m) => !m.state);
    if (!history.loaded || !newest) continue;
    try {
      let after = newest.id;
      for (;;) {
        const page = /** @type {Message[]} */ (
          await api.get(`/channels/${channel}/messages${api.query({ after, limit: 100 })}`)
        );
        if (page.length === 0) break;
        putMessages(channel, page, {});
        after = page.reduce((a, m) => (m.id > a ? m.id : a), after);
        if (page.length < 100) break;
      }
    } catch {
      // The channel is gone or hidden now; its events say so.
    }
  }
}

/**
 * Loads what READY would have held of a server the caller just made or joined: its
 * channels, roles and the caller's membership.
 * @param {string} server
 */
async function loadServer(server) {
  try {
    const [channels, roles, member] = await Promise.all([
      api.get(`/servers/${server}/channels`),
      api.get(`/servers/${server}/roles`),
      api.get(`/servers/${server}/members/@me`),
    ]);
    setState((s) => {
      const all = { ...s.channels };
      for (const channel of channels) all[channel.id] = normalizeChannel(channel);
      return {
        channels: all,
        roles: withEntry(s.roles, server, roles),
        members: withEntry(s.members, server, { ...s.members[server], [member.user_id]: member }),
      };
    });
  } catch {
    // Gone again already; its events say so.
  }
}

/**
 * Fetches the users not known yet (authors, members).
 * @param {string[]} ids
 */
export async function ensureUsers(ids) {
  const s = getState();
  const missing = [...new Set(ids)].filter((id) => id && !s.users[id] && !fetchingUsers.has(id));
  await Promise.all(
    missing.map(async (id) => {
      fetchingUsers.add(id);
      try {
        const user = await api.get(`/users/${id}`);
        setState((st) => ({ users: withEntry(st.users, id, user) }));
      } catch {
        // A deleted user stays unknown.
      } finally {
        fetchingUsers.delete(id);
      }
    }),
  );
}

/**
 * Adds messages to a channel's history.
 * @param {string} channel
 * @param {Message[]} page
 * @param {{ hasOlder?: boolean, hasNewer?: boolean }} flags
 */
function putMessages(channel, page, flags) {
  setState((s) => {
    const history = historyOf(s, channel);
    const next = { ...history, ...flags, loaded: true, list: mergeMessages(history.list, page) };
    return { messages: withEntry(s.messages, channel, next) };
  });
  ensureUsers(page.map((m) => m.author_id));
}

/**
 * Loads the newest page of a channel (once).
 * @param {string} channel
 */
export async function openChannel(channel) {
  loadReceipts(channel).catch(() => {});
  if (historyOf(getState(), channel).loaded) return;
  const page = await api.get(`/channels/${channel}/messages${api.query({ limit: PAGE })}`);
  putMessages(channel, page, { hasOlder: page.length === PAGE, hasNewer: false });
}

/** Channels of servers with at most this many members show read receipts (DMs always). */
const SMALL_CHANNEL = 25;

/**
 * Loads how far the participants who share read receipts have read (DMs, small channels).
 * @param {string} channel
 */
async function loadReceipts(channel) {
  const s = getState();
  const server = s.channels[channel]?.server_id;
  if (server && (s.servers[server]?.member_count ?? Infinity) > SMALL_CHANNEL) return;
  /** @type {{ user_id: string, message_id: string }[]} */
  const receipts = await api.get(`/channels/${channel}/receipts`);
  const seen = Object.fromEntries(receipts.map((r) => [r.user_id, r.message_id]));
  setState((st) => ({ receipts: withEntry(st.receipts, channel, seen) }));
}

/**
 * Loads the page before the oldest loaded message.
 * @param {string} channel
 */
export async function loadOlder(channel) {
  const history = historyOf(getState(), channel);
  const oldest = history.list.find((m) => !m.state);
  if (!history.hasOlder || !oldest) return;
  const page = await api.get(
    `/channels/${channel}/messages${api.query({ limit: PAGE, before: oldest.id })}`,
  );
  putMessages(channel, page, { hasOlder: page.length === PAGE });
}

/**
 * Loads the page after the newest loaded message (after a jump into the past).
 * @param {string} channel
 */
export async function loadNewer(channel) {
  const history = historyOf(getState(), channel);
  const newest = [...history.list].reverse().find((m) => !m.state);
  if (!history.hasNewer || !newest) return;
  const page = await api.get(
    `/channels/${channel}/messages${api.query({ limit: PAGE, after: newest.id })}`,
  );
  putMessages(channel, page, { hasNewer: page.length === PAGE });
}

/**
 * Shows the messages around one (a jump from search or a reply): the history restarts there.
 * @param {string} channel
 * @param {string} message
 */
export async function jumpTo(channel, message) {
  const page = /** @type {Message[]} */ (
    await api.get(`/channels/${channel}/messages${api.query({ limit: PAGE, around: message })}`)
  );
  setState((s) => {
    const newest = s.channels[channel]?.last_message_id;
    return {
      messages: withEntry(s.messages, channel, {
        list: mergeMessages([], page),
        hasOlder: true,
        hasNewer: !page.some((m) => m.id === newest),
        loaded: true,
      }),
    };
  });
  ensureUsers(page.map((/** @type {Message} */ m) => m.author_id));
}

/**
 * Sends a message: shown at once as "sending", replaced by the stored message when the
 * server answers (or its gateway event arrives first), marked "failed" with a retry
 * otherwise. The nonce makes a retry safe.
 * With files, they are uploaded with the message, and its progress shows.
 * @param {string} channel
 * @param {string} content
 * @param {string | null} replyTo
 * @param {string} [nonce]
 * @param {File[]} [files]
 */
export async function sendMessage(channel, content, replyTo, nonce = crypto.randomUUID(), files = []) {
  const me = getState().me;
  if (!me) return;
  /** @type {Message} */
  const pending = {
    id: `pending-${nonce}`,
    channel_id: channel,
    author_id: me.id,
    content,
    content_html: '',
    created_at: new Date().toISOString(),
    edited_at: null,
    is_edited: false,
    is_pinned: false,
    reactions: [],
    reply_to_id: replyTo,
    thread_id: null,
    type: replyTo ? 'reply' : 'default',
    attachments: [],
    embeds: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    nonce,
    state: 'sending',
    files,
    progress: files.length ? 0 : undefined,
  };
  replacePending(channel, nonce, pending);
  const body = { content, nonce, reply_to_id: replyTo ?? undefined };
  try {
    let stored;
    if (files.length) {
      const form = new FormData();
      form.append('payload_json', JSON.stringify(body));
      files.forEach((file, n) => form.append(`files[${n}]`, file, file.name));
      stored = await api.upload(`/channels/${channel}/messages`, form, (progress) =>
        replacePending(channel, nonce, { ...pending, progress }),
      );
    } else {
      stored = await api.post(`/channels/${channel}/messages`, body);
    }
    putMessages(channel, [stored], {});
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    replacePending(channel, nonce, { ...pending, state: 'failed', error: reason });
  }
}

/**
 * Puts or replaces the optimistic message of a nonce (unless the stored one arrived).
 * @param {string} channel
 * @param {string} nonce
 * @param {Message} message
 */
function replacePending(channel, nonce, message) {
  setState((s) => {
    const history = historyOf(s, channel);
    if (history.list.some((m) => !m.state && m.nonce === nonce)) return {};
    const list = history.list.filter((m) => !(m.state && m.nonce === nonce));
    list.push(message);
    return { messages: withEntry(s.messages, channel, { ...history, loaded: true, list }) };
  });
}

/**
 * Sends a failed message again, with the same nonce.
 * @param {Message} message
 */
export function retry(message) {
  if (message.nonce) sendMessage(message.channel_id, message.content, message.reply_to_id, message.nonce, message.files);
}

/**
 * Drops a failed message.
 * @param {Message} message
 */
export function discard(message) {
  setState((s) => {
    const history = historyOf(s, message.channel_id);
    const list = history.list.filter((m) => m.id !== message.id);
    return { messages: withEntry(s.messages, message.channel_id, { ...history, list }) };
  });
}

/**
 * Adds or removes the caller's reaction.
 * @param {Message} message
 * @param {string} emoji
 */
export async function toggleReaction(message, emoji) {
  const mine = message.reactions.find((r) => r.emoji === emoji)?.me;
  const path = `/channels/${message.channel_id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}/@me`;
  await (mine ? api.del(path) : api.put(path));
}

/** @type {Map<string, string>} */
const acked = new Map();

/**
 * Marks a channel read up to its newest message, once per message.
 * @param {string} channel
 */
export async function markRead(channel) {
  const s = getState();
  const newest = [...historyOf(s, channel).list].reverse().find((m) => !m.state);
  const read = s.readStates[channel];
  if (!newest || acked.get(channel) === newest.id) return;
  if (read?.last_read_id && read.last_read_id >= newest.id && read.unread_count === 0) return;
  acked.set(channel, newest.id);
  setState((st) => ({
    readStates: withEntry(st.readStates, channel, {
      channel_id: channel,
      last_read_id: newest.id,
      unread_count: 0,
      mention_count: 0,
    }),
  }));
  try {
    await api.post(`/channels/${channel}/messages/${newest.id}/ack`);
  } catch {
    acked.delete(channel);
  }
}

let lastTyping = 0;

/**
 * Tells the others the caller is typing (at most every 5 s, as the server allows).
 * @param {string} channel
 */
export function typing(channel) {
  const now = Date.now();
  if (now - lastTyping < 5000) return;
  lastTyping = now;
  api.post(`/channels/${channel}/typing`).catch(() => {});
}

/**
 * Sets the caller's presence and custom status over the gateway.
 * @param {string} status
 * @param {string} customStatus
 */
export function setPresence(status, customStatus) {
  gateway?.send(3, { status, custom_status: customStatus, activities: [] });
  const me = getState().me;
  if (me) {
    setState((s) => ({
      presences: withEntry(s.presences, me.id, { user_id: me.id, status, custom_status: customStatus }),
    }));
  }
}

/**
 * Asks the gateway for a server's members and their presences.
 * @param {string} server
 */
export function requestMembers(server) {
  gateway?.send(8, { server_id: server, limit: 1000 });
}

/** Loads the caller's friends, requests and blocks (their events keep them current). */
async function loadRelationships() {
  try {
    /** @type {import('./store.js').Relationship[]} */
    const list = await api.get('/users/@me/relationships');
    setState((s) => {
      let users = s.users;
      let presences = s.presences;
      for (const r of list) {
        users = withEntry(users, r.user.id, r.user);
        if (r.type === 'friend') {
          const presence = { user_id: r.id, status: r.user.status ?? 'offline', custom_status: r.user.custom_status };
          presences = withEntry(presences, r.id, { ...presences[r.id], ...presence });
        }
      }
      return { relationships: Object.fromEntries(list.map((r) => [r.id, r])), users, presences };
    });
  } catch {
    // Signed out meanwhile.
  }
}

/**
 * A new friend's presence, which their updates keep current from now on.
 * @param {string} id
 */
async function loadFriendPresence(id) {
  try {
    /** @type {import('./store.js').User} */
    const user = await api.get(`/users/${id}`);
    const presence = { user_id: id, status: user.status ?? 'offline', custom_status: user.custom_status };
    setState((s) => ({ presences: withEntry(s.presences, id, { ...s.presences[id], ...presence }) }));
  } catch {
    // Gone meanwhile.
  }
}

/**
 * Opens (or finds) the DM with a user and goes there.
 * @param {string} user
 */
export async function openDm(user) {
  const channel = await api.post('/users/@me/channels', { recipient_id: user });
  setState((s) => ({ channels: withEntry(s.channels, channel.id, normalizeChannel(channel)) }));
  location.hash = `#/channels/@me/${channel.id}`;
}

// @ts-check
// Gateway events applied to the store: one reducer per dispatch type.

import { mergeMessages, normalize, normalizeChannel, setState, withEntry } from './store.js';

/**
 * @typedef {import('./store.js').State} State
 * @typedef {import('./store.js').Message} Message
 * @typedef {import('./store.js').Channel} Channel
 */

/** How long a typing indicator shows. */
const TYPING_MS = 8000;

/**
 * Changes one message of a channel's loaded history.
 * @param {State} s
 * @param {string} channel
 * @param {string} id
 * @param {(m: Message) => Message | null} change null removes it
 */
function changeMessage(s, channel, id, change) {
  const history = s.messages[channel];
  if (!history) return {};
  const list = [];
  for (const message of history.list) {
    if (message.id !== id) list.push(message);
    else {
      const next = change(message);
      if (next) list.push(next);
    }
  }
  return { messages: withEntry(s.messages, channel, { ...history, list }) };
}

/**
 * Whether a new message pings the caller.
 * @param {State} s
 * @param {Message} message
 */
function mentionsMe(s, message) {
  const me = s.me?.id;
  if (!me || message.author_id === me) return false;
  const channel = s.channels[message.channel_id];
  if (channel && !channel.server_id) return true; // every DM message notifies
  if (message.mention_everyone || message.mentions.includes(me)) return true;
  const member = channel?.server_id ? s.members[channel.server_id]?.[me] : undefined;
  return Boolean(member?.role_ids.some((r) => message.mention_roles.includes(r)));
}

/** @type {Record<string, (s: State, d: any) => Partial<State>>} */
const reducers = {
  READY: (s, d) => {
    /** @type {State['channels']} */
    const channels = {};
    /** @type {State['servers']} */
    const servers = {};
    /** @type {State['roles']} */
    const roles = {};
    /** @type {State['members']} */
    const members = { ...s.members };
    const presences = { ...s.presences };
    // The server leaves empty lists out.
    const entries = d.servers ?? [];
    for (const entry of entries) {
      // A READY server is the server's fields with its channels, roles, member and presences.
      const { channels: list, member, presences: online, roles: ranks, voice_states: _, ...server } = entry;
      servers[server.id] = server;
      roles[server.id] = ranks ?? [];
      members[server.id] = { ...members[server.id], [member.user_id]: member };
      for (const channel of list ?? []) channels[channel.id] = normalizeChannel(channel);
      for (const presence of online ?? []) presences[presence.user_id] = presence;
    }
    for (const channel of d.private_channels ?? []) channels[channel.id] = normalizeChannel(channel);
    /** @type {State['readStates']} */
    const readStates = {};
    for (const read of d.read_states ?? []) readStates[read.channel_id] = read;
    return {
      me: d.user,
      users: withEntry(s.users, d.user.id, d.user),
      servers,
      serverOrder: entries.map((/** @type {any} */ e) => e.id),
      channels,
      roles,
      members,
      presences,
      readStates,
    };
  },
  MESSAGE_CREATE: (s, raw) => {
    const message = normalize(raw);
    /** @type {Partial<State>} */
    const out = {};
    // Kept even before the channel's first page arrives (it merges by id), so that a
    // message sent while that page loads is not lost; not after a jump into the past.
    const history = s.messages[message.channel_id] ?? { list: [], hasOlder: true, hasNewer: false, loaded: false };
    if (!history.hasNewer) {
      out.messages = withEntry(s.messages, message.channel_id, {
        ...history,
        list: mergeMessages(history.list, [message]),
      });
    }
    const channel = s.channels[message.channel_id];
    if (channel) {
      out.channels = withEntry(s.channels, channel.id, { ...channel, last_message_id: message.id });
    }
    if (message.author_id !== s.me?.id) {
      const read = s.readStates[message.channel_id] ?? {
        channel_id: message.channel_id,
        last_read_id: null,
        unread_count: 0,
        mention_count: 0,
      };
      out.readStates = withEntry(s.readStates, message.channel_id, {
        ...read,
        unread_count: read.unread_count + 1,
        mention_count: read.mention_count + (mentionsMe(s, message) ? 1 : 0),
      });
    }
    const typing = s.typing[message.channel_id];
    if (typing?.[message.author_id]) {
      out.typing = withEntry(s.typing, message.channel_id, withEntry(typing, message.author_id, undefined));
    }
    return out;
  },
  MESSAGE_UPDATE: (s, message) => changeMessage(s, message.channel_id, message.id, () => {
    const m = normalize(message);
    // An event's reactions say `me: false` for everyone: each reader finds itself in `users`.
    return { ...m, reactions: m.reactions.map((r) => ({ ...r, me: r.users.includes(s.me?.id ?? '') })) };
  }),
  MESSAGE_DELETE: (s, d) => changeMessage(s, d.channel_id, d.id, () => null),
  MESSAGE_DELETE_BULK: (s, d) => {
    const history = s.messages[d.channel_id];
    if (!history) return {};
    const gone = new Set(d.ids);
    const list = history.list.filter((m) => !gone.has(m.id));
    return { messages: withEntry(s.messages, d.channel_id, { ...history, list }) };
  },
  MESSAGE_REACTION_ADD: (s, d) =>
    changeMessage(s, d.channel_id, d.message_id, (m) => {
      const mine = d.user_id === s.me?.id;
      const existing = m.reactions.find((r) => r.emoji === d.emoji);
      if (existing?.users.includes(d.user_id)) return m;
      const reactions = existing
        ? m.reactions.map((r) =>
            r.emoji === d.emoji
              ? { ...r, count: r.count + 1, me: r.me || mine, users: [...r.users, d.user_id] }
              : r,
          )
        : [...m.reactions, { emoji: d.emoji, count: 1, me: mine, users: [d.user_id] }];
      return { ...m, reactions };
    }),
  MESSAGE_REACTION_REMOVE: (s, d) =>
    changeMessage(s, d.channel_id, d.message_id, (m) => {
      const reactions = m.reactions
        .map((r) =>
          r.emoji === d.emoji && r.users.includes(d.user_id)
            ? {
                ...r,
                count: r.count - 1,
                me: r.me && d.user_id !== s.me?.id,
                users: r.users.filter((u) => u !== d.user_id),
              }
            : r,
        )
        .filter((r) => r.count > 0);
      return { ...m, reactions };
    }),
  MESSAGE_ACK: (s, d) =>
    d.user_id === s.me?.id
      ? {
          readStates: withEntry(s.readStates, d.channel_id, {
            channel_id: d.channel_id,
            last_read_id: d.message_id,
            unread_count: 0,
            mention_count: 0,
          }),
        }
      : // Someone who shares read receipts read this far.
        { receipts: withEntry(s.receipts, d.channel_id, { ...s.receipts[d.channel_id], [d.user_id]: d.message_id }) },
  READ_STATE_UPDATE: (s, d) => ({ readStates: withEntry(s.readStates, d.channel_id, d) }),
  TYPING_START: (s, d) => {
    if (d.user_id === s.me?.id) return {};
    const channel = { ...s.typing[d.channel_id], [d.user_id]: Date.now() + TYPING_MS };
    setTimeout(() => setState((st) => ({ typing: { ...st.typing } })), TYPING_MS + 50);
    return { typing: withEntry(s.typing, d.channel_id, channel) };
  },
  PRESENCE_UPDATE: (s, d) => ({ presences: withEntry(s.presences, d.user_id, d) }),
  CHANNEL_CREATE: (s, c) => ({ channels: withEntry(s.channels, c.id, normalizeChannel(c)) }),
  CHANNEL_UPDATE: (s, c) => ({ channels: withEntry(s.channels, c.id, normalizeChannel(c)) }),
  THREAD_CREATE: (s, c) => ({ channels: withEntry(s.channels, c.id, normalizeChannel(c)) }),
  THREAD_UPDATE: (s, c) => ({ channels: withEntry(s.channels, c.id, normalizeChannel(c)) }),
  THREAD_DELETE: (s, d) => ({
    channels: withEntry(s.channels, d.id, undefined),
    messages: withEntry(s.messages, d.id, undefined),
  }),
  THREAD_MEMBERS_UPDATE: (s, d) => {
    const thread = s.channels[d.id];
    if (!thread) return {};
    return { channels: withEntry(s.channels, d.id, { ...thread, member_count: d.member_count }) };
  },
  CHANNEL_RECIPIENT_ADD: (s, d) => {
    const channel = s.channels[d.channel_id];
    const users = withEntry(s.users, d.user.id, d.user);
    if (!channel || channel.recipients.includes(d.user.id)) return { users };
    const recipients = [...channel.recipients, d.user.id];
    return { users, channels: withEntry(s.channels, channel.id, { ...channel, recipients }) };
  },
  CHANNEL_RECIPIENT_REMOVE: (s, d) => {
    const channel = s.channels[d.channel_id];
    if (!channel) return {};
    const recipients = channel.recipients.filter((id) => id !== d.user.id);
    return { channels: withEntry(s.channels, channel.id, { ...channel, recipients }) };
  },
  RELATIONSHIP_ADD: (s, r) => ({
    relationships: withEntry(s.relationships, r.id, r),
    users: withEntry(s.users, r.user.id, r.user),
  }),
  RELATIONSHIP_REMOVE: (s, r) => ({ relationships: withEntry(s.relationships, r.id, undefined) }),
  CHANNEL_DELETE: (s, c) => ({
    channels: withEntry(s.channels, c.id, undefined),
    messages: withEntry(s.messages, c.id, undefined),
  }),
  CATEGORY_CREATE: (s, c) => ({
    categories: withEntry(s.categories, c.server_id, [...(s.categories[c.server_id] ?? []), c]),
  }),
  CATEGORY_UPDATE: (s, c) => ({
    categories: withEntry(
      s.categories,
      c.server_id,
      (s.categories[c.server_id] ?? []).map((x) => (x.id === c.id ? c : x)).sort((a, b) => a.position - b.position),
    ),
  }),
  CATEGORY_DELETE: (s, c) => ({
    categories: withEntry(
      s.categories,
      c.server_id,
      (s.categories[c.server_id] ?? []).filter((x) => x.id !== c.id),
    ),
  }),
  SERVER_CREATE: (s, server) => ({
    servers: withEntry(s.servers, server.id, server),
    serverOrder: s.serverOrder.includes(server.id) ? s.serverOrder : [...s.serverOrder, server.id],
  }),
  SERVER_UPDATE: (s, server) => ({ servers: withEntry(s.servers, server.id, server) }),
  SERVER_DELETE: (s, d) => leaveServer(s, d.id),
  MEMBER_ADD: (s, m) => ({
    members: withEntry(s.members, m.server_id, { ...s.members[m.server_id], [m.user_id]: m }),
  }),
  MEMBER_UPDATE: (s, m) => ({
    members: withEntry(s.members, m.server_id, { ...s.members[m.server_id], [m.user_id]: m }),
  }),
  MEMBER_REMOVE: (s, d) => {
    if (d.user_id === s.me?.id) return leaveServer(s, d.server_id);
    return {
      members: withEntry(
        s.members,
        d.server_id,
        withEntry(s.members[d.server_id] ?? {}, d.user_id, undefined),
      ),
    };
  },
  ROLE_CREATE: (s, r) => ({ roles: withEntry(s.roles, r.server_id, sortRoles([...(s.roles[r.server_id] ?? []), r])) }),
  ROLE_UPDATE: (s, r) => ({
    roles: withEntry(
      s.roles,
      r.server_id,
      sortRoles((s.roles[r.server_id] ?? []).map((x) => (x.id === r.id ? r : x))),
    ),
  }),
  ROLE_DELETE: (s, d) => ({
    roles: withEntry(s.roles, d.server_id, (s.roles[d.server_id] ?? []).filter((x) => x.id !== d.role_id)),
  }),
  USER_UPDATE: (s, user) => ({
    users: withEntry(s.users, user.id, user),
    me: s.me?.id === user.id ? user : s.me,
  }),
  MEMBERS_CHUNK: (s, d) => {
    const members = { ...s.members[d.server_id] };
    for (const m of d.members ?? []) members[m.user_id] = m;
    const presences = { ...s.presences };
    for (const p of d.presences ?? []) presences[p.user_id] = p;
    return { members: withEntry(s.members, d.server_id, members), presences };
  },
};

/**
 * @param {import('./store.js').Role[]} roles
 */
function sortRoles(roles) {
  return [...roles].sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1));
}

/**
 * Forgets a server the caller left, was removed from, or that was deleted.
 * @param {State} s
 * @param {string} server
 * @returns {Partial<State>}
 */
function leaveServer(s, server) {
  const channels = Object.fromEntries(Object.entries(s.channels).filter(([, c]) => c.server_id !== server));
  return {
    servers: withEntry(s.servers, server, undefined),
    serverOrder: s.serverOrder.filter((id) => id !== server),
    channels,
  };
}

/**
 * Applies one dispatch to the store.
 * @param {string} type
 * @param {any} data
 */
export function applyEvent(type, data) {
  const reducer = reducers[type];
  if (reducer) setState((s) => reducer(s, data));
}

/**
 * Who is typing now, from a channel's typing record (not the caller: the reducer skips them).
 * @param {Record<string, number> | undefined} typing
 * @returns {string[]}
 */
export function typingIn(typing) {
  const now = Date.now();
  return Object.entries(typing ?? {})
    .filter(([, until]) => until > now)
    .map(([user]) => user);
}

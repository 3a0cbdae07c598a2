// @ts-check
// The one store of client state: servers, channels, roles, members, users, presences,
// messages by channel, read states and typing, fed by the gateway's events and by REST
// answers. Components read it through `useStore` and change it only through actions.

import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * @typedef {{ id: string, username: string, display_name: string, discriminator: string,
 *   avatar_url: string, bio: string, custom_status: string, is_bot: boolean, status?: string,
 *   mfa_enabled?: boolean, instance_admin?: boolean,
 *   read_receipts?: boolean }} User
 * @typedef {{ id: string, name: string, description: string, icon_url: string, owner_id: string,
 *   is_public: boolean, member_count: number, system_channel_id: string | null,
 *   invite_code?: string, disabled?: { reason: string, at: string } | null }} Server
 * @typedef {{ id: string, type: string, name: string, topic: string, server_id: string | null,
 *   category_id: string | null, parent_id: string | null, position: number, recipients: string[],
 *   owner_id: string | null, permission_overwrites: Overwrite[], last_message_id: string | null,
 *   is_private: boolean, slow_mode_delay: number, nsfw?: boolean, icon_url?: string,
 *   thread_metadata?: ThreadMetadata, message_count?: number, member_count?: number }} Channel
 * @typedef {{ archived: boolean, locked: boolean, auto_archive_duration: number,
 *   archive_timestamp: string }} ThreadMetadata
 * @typedef {{ id: string, type: 'role' | 'member', allow: number, deny: number }} Overwrite
 * @typedef {{ id: string, name: string, color: number, permissions: number, position: number,
 *   is_default: boolean, is_mentionable: boolean, server_id: string }} Role
 * @typedef {{ user_id: string, server_id: string, nickname: string, role_ids: string[],
 *   joined_at: string, communication_disabled_until?: string | null }} Member
 * @typedef {{ id: string, name: string, position: number, server_id: string }} Category
 * @typedef {{ emoji: string, count: number, me: boolean, users: string[] }} Reaction
 * @typedef {{ id: string, channel_id: string, author_id: string, content: string,
 *   content_html: string, created_at: string, edited_at: string | null, is_edited: boolean,
 *   is_pinned: boolean, reactions: Reaction[], reply_to_id: string | null,
 *   thread_id: string | null, type: string, embeds: any[], mentions: string[],
 *   mention_roles: string[], mention_everyone: boolean, nonce: string | null,
 *   attachments: Attachment[], state?: 'sending' | 'failed', error?: string,
 *   progress?: number, files?: File[] }} Message
 * @typedef {{ id: string, filename: string, content_type: string, size: number, url: string,
 *   width?: number, height?: number }} Attachment
 * @typedef {{ channel_id: string, last_read_id: string | null, unread_count: number,
 *   mention_count: number }} ReadState
 * @typedef {{ user_id: string, status: string, custom_status: string }} Presence
 * @typedef {{ id: string, type: 'friend' | 'blocked' | 'incoming' | 'outgoing', user: User,
 *   since: string }} Relationship
 * @typedef {{ list: Message[], hasOlder: boolean, hasNewer: boolean, loaded: boolean }} History
 * @typedef {{
 *   me: User | null,
 *   connection: string,
 *   servers: Record<string, Server>,
 *   serverOrder: string[],
 *   channels: Record<string, Channel>,
 *   categories: Record<string, Category[]>,
 *   roles: Record<string, Role[]>,
 *   members: Record<string, Record<string, Member>>,
 *   users: Record<string, User>,
 *   presences: Record<string, Presence>,
 *   messages: Record<string, History>,
 *   readStates: Record<string, ReadState>,
 *   typing: Record<string, Record<string, number>>,
 *   receipts: Record<string, Record<string, string>>,
 *   relationships: Record<string, Relationship>,
 *   notificationSettings: { servers: Record<string, import('./notifications.js').Setting>,
 *     channels: Record<string, import('./notifications.js').Setting> },
 *   theme: string,
 * }} State
 */

/** @returns {State} */
function initial() {
  return {
    me: null,
    connection: 'closed',
    servers: {},
    serverOrder: [],
    channels: {},
    categories: {},
    roles: {},
    members: {},
    users: {},
    presences: {},
    messages: {},
    readStates: {},
    typing: {},
    receipts: {},
    relationships: {},
    notificationSettings: { servers: {}, channels: {} },
    theme: 'dark',
  };
}

/** @type {State} */
let state = initial();
/** @type {Set<() => void>} */
const listeners = new Set();

/** The current state (treat it as read-only). */
export function getState() {
  return state;
}

/**
 * Replaces parts of the state and tells every subscriber.
 * @param {Partial<State> | ((s: State) => Partial<State>)} change
 */
export function setState(change) {
  const patch = typeof change === 'function' ? change(state) : change;
  state = { ...state, ...patch };
  for (const listener of listeners) listener();
}

/** Forgets everything but the theme (on logout). */
export function resetState() {
  setState({ ...initial(), theme: state.theme });
}

/**
 * Subscribes a component to a slice of the state; it re-renders when the slice changes
 * (compared with `Object.is`, so select stored objects, and derive from them in the body).
 * @template T
 * @param {(s: State) => T} select
 * @returns {T}
 */
export function useStore(select) {
  const latest = useRef(select);
  latest.current = select;
  const [, rerender] = useState(0);
  const value = select(state);
  const seen = useRef(value);
  seen.current = value;
  useEffect(() => {
    const check = () => {
      if (!Object.is(latest.current(state), seen.current)) rerender((n) => n + 1);
    };
    listeners.add(check);
    return () => {
      listeners.delete(check);
    };
  }, []);
  return value;
}

/**
 * Replaces one entry of a record.
 * @template T
 * @param {Record<string, T>} record
 * @param {string} key
 * @param {T | undefined} value undefined removes it
 * @returns {Record<string, T>}
 */
export function withEntry(record, key, value) {
  const next = { ...record };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

/**
 * A message with the fields the server leaves out when empty filled in.
 * @param {any} m
 * @returns {Message}
 */
export function normalize(m) {
  return {
    edited_at: null,
    nonce: null,
    reply_to_id: null,
    thread_id: null,
    ...m,
    attachments: m.attachments ?? [],
    embeds: m.embeds ?? [],
    mention_roles: m.mention_roles ?? [],
    mentions: m.mentions ?? [],
    reactions: m.reactions ?? [],
  };
}

/**
 * A channel with the fields the server leaves out when empty filled in.
 * @param {any} c
 * @returns {Channel}
 */
export function normalizeChannel(c) {
  return {
    category_id: null,
    owner_id: null,
    parent_id: null,
    server_id: null,
    last_message_id: null,
    topic: '',
    ...c,
    recipients: c.recipients ?? [],
    permission_overwrites: c.permission_overwrites ?? [],
  };
}

/**
 * Merges messages into a channel's history, by id, in id order (ULIDs sort by time); an
 * optimistic message is replaced by the stored one with its nonce.
 * @param {Message[]} list
 * @param {Message[]} incoming
 * @returns {Message[]}
 */
export function mergeMessages(list, incoming) {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const raw of incoming) {
    const message = normalize(raw);
    if (message.nonce) {
      for (const [id, existing] of byId) {
        if (existing.state && existing.nonce === message.nonce) byId.delete(id);
      }
    }
    byId.set(message.id, message);
  }
  return [...byId.values()].sort((a, b) => {
    // Optimistic messages (ids starting with "pending-") stay last.
    const pa = a.id.startsWith('pending-');
    const pb = b.id.startsWith('pending-');
    if (pa !== pb) return pa ? 1 : -1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/**
 * The history of a channel (empty until loaded).
 * @param {State} s
 * @param {string} channel
 * @returns {History}
 */
export function historyOf(s, channel) {
  return s.messages[channel] ?? { list: [], hasOlder: true, hasNewer: false, loaded: false };
}

/**
 * A user's display name.
 * @param {State} s
 * @param {string} userId
 * @param {string | null} [serverId]
 */
export function displayName(s, userId, serverId) {
  const member = serverId ? s.members[serverId]?.[userId] : undefined;
  if (member?.nickname) return member.nickname;
  const user = s.users[userId];
  if (!user) return 'Unknown user';
  return user.display_name || user.username;
}

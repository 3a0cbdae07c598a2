// @ts-check
// The audit log, for holders of VIEW_AUDIT_LOG: who changed what and why, newest first,
// filtered by member and by action, a page at a time.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { ensureUsers } from '../actions.js';
import { html } from '../html.js';
import { displayName, getState, useStore } from '../store.js';

/**
 * @typedef {{ key: string, old_value?: unknown, new_value?: unknown }} Change
 * @typedef {{ id: string, action_type: string, user_id: string, target_id: string | null,
 *   changes: Change[], reason: string | null, created_at: string }} Entry
 */

/** Every action, with how the log says it. */
const ACTIONS = /** @type {[string, string][]} */ ([
  ['server_update', 'updated the server'],
  ['channel_create', 'created a channel'],
  ['channel_update', 'updated a channel'],
  ['channel_delete', 'deleted a channel'],
  ['overwrite_update', "changed a channel's permissions"],
  ['role_create', 'created a role'],
  ['role_update', 'updated a role'],
  ['role_delete', 'deleted a role'],
  ['member_role_update', "changed a member's roles"],
  ['member_kick', 'kicked'],
  ['member_ban_add', 'banned'],
  ['member_ban_remove', 'unbanned'],
  ['member_update', 'updated member'],
  ['invite_create', 'created an invite'],
  ['invite_delete', 'deleted an invite'],
  ['message_delete', 'deleted a message by'],
  ['message_bulk_delete', 'bulk deleted messages'],
  ['message_pin', 'pinned a message'],
  ['message_unpin', 'unpinned a message'],
]);

const PAGE = 50;

/** What the log calls the fields it shows changed; any other is spelled out from its key. */
const FIELDS = /** @type {Record<string, string>} */ ({
  $add: 'Roles given',
  $remove: 'Roles taken away',
  allow: 'Allowed',
  category_id: 'Category',
  code: 'Code',
  color: 'Color',
  communication_disabled_until: 'Timed out until',
  deny: 'Denied',
  description: 'Description',
  expires_at: 'Expires',
  icon_url: 'Icon',
  is_deafened: 'Deafened',
  is_mentionable: 'Anyone may mention it',
  is_muted: 'Muted',
  is_private: 'Private',
  is_public: 'Listed in public servers',
  max_uses: 'Most uses',
  name: 'Name',
  nickname: 'Nickname',
  nsfw: 'Age-restricted',
  owner_id: 'Owner',
  parent_id: 'Parent channel',
  permissions: 'Permissions',
  position: 'Position',
  role_ids: 'Roles',
  slow_mode_delay: 'Slowmode (seconds)',
  system_channel_id: 'System messages channel',
  topic: 'Topic',
});

/** @param {string} key */
const field = (key) => FIELDS[key] ?? key.charAt(0).toUpperCase() + key.slice(1).replaceAll('_', ' ');

/**
 * A changed value as people read it: times in local time, ids as the names of the users,
 * channels and roles they are, yes or no, and nothing as a dash.
 * @param {unknown} value
 * @param {string} serverId
 * @returns {string}
 */
function show(value, serverId) {
  if (value === undefined || value === null || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length ? value.map((v) => show(v, serverId)).join(', ') : '—';
  if (typeof value !== 'string') return JSON.stringify(value);
  if (/^\d{4}-\d\d-\d\dT/.test(value)) return new Date(value).toLocaleString();
  return named(value, serverId) ?? value;
}

/**
 * The user, channel or role an id names, as people know it, or null.
 * @param {string} id
 * @param {string} serverId
 */
function named(id, serverId) {
  const s = getState();
  if (s.users[id]) return displayName(s, id, serverId);
  if (s.channels[id]) return `#${s.channels[id].name}`;
  const role = (s.roles[serverId] ?? []).find((r) => r.id === id);
  return role ? `@${role.name}` : null;
}

/** @param {{ server: import('../store.js').Server }} props */
export function ServerAuditLog({ server }) {
  const members = useStore((s) => s.members[server.id]) ?? {};
  useStore((s) => s.users);
  const [filter, setFilter] = useState({ user_id: '', action_type: '' });
  const [entries, setEntries] = useState(/** @type {Entry[]} */ ([]));
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');
  /** @param {string | undefined} before */
  const load = async (before) => {
    setError('');
    try {
      /** @type {Entry[]} */
      const page = await api.get(`/servers/${server.id}/audit-logs${api.query({ ...filter, before, limit: PAGE })}`);
      const aboutUser = (/** @type {Entry} */ e) => e.action_type.startsWith('member_') || e.action_type === 'message_delete';
      ensureUsers(page.flatMap((e) => [e.user_id, ...(e.target_id && aboutUser(e) ? [e.target_id] : [])]));
      setEntries((now) => (before ? [...now, ...page] : page));
      setMore(page.length === PAGE);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  useEffect(() => {
    load(undefined);
  }, [server.id, filter.user_id, filter.action_type]);
  const s = getState();
  /** @param {Entry} entry */
  const target = (entry) => {
    if (!entry.target_id) return '';
    // The server's id is its @everyone role's too: it names the role only in a role's entry.
    if (entry.target_id === server.id && !entry.action_type.startsWith('role_')) return '';
    return named(entry.target_id, server.id) ?? entry.target_id;
  };
  return html`
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <div class="row">
        <label class="field">Filter by member<select aria-label="Filter by member" value=${filter.user_id}
          onChange=${(/** @type {Event} */ e) => setFilter({ ...filter, user_id: /** @type {HTMLSelectElement} */ (e.target).value })}>
          <option value="">All members</option>
          ${Object.keys(members).map((id) => html`<option value=${id}>${displayName(s, id, server.id)}</option>`)}
        </select></label>
        <label class="field">Filter by action<select aria-label="Filter by action" value=${filter.action_type}
          onChange=${(/** @type {Event} */ e) => setFilter({ ...filter, action_type: /** @type {HTMLSelectElement} */ (e.target).value })}>
          <option value="">All actions</option>
          ${ACTIONS.map(([id, label]) => html`<option value=${id}>${id.replaceAll('_', ' ')} — ${label}</option>`)}
        </select></label>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${entries.length === 0 && !error && html`<p class="muted">Nothing recorded yet.</p>`}
      <ol class="audit-log" aria-label="Audit log entries">
        ${entries.map((entry) => html`<li key=${entry.id}>
          <div>
            <strong>${displayName(s, entry.user_id, server.id)}</strong>
            ${' '}${ACTIONS.find(([id]) => id === entry.action_type)?.[1] ?? entry.action_type}
            ${' '}<strong>${target(entry)}</strong>
            ${' '}<time class="muted" datetime=${entry.created_at}>${new Date(entry.created_at).toLocaleString()}</time>
          </div>
          ${entry.reason && html`<div class="muted">Reason: ${entry.reason}</div>`}
          ${entry.changes.length > 0 &&
          html`<ul class="changes">${entry.changes.map(
            (c) => html`<li>${field(c.key)}: ${show(c.old_value, server.id)} → ${show(c.new_value, server.id)}</li>`,
          )}</ul>`}
        </li>`)}
      </ol>
      ${more && html`<button class="button secondary" onClick=${() => load(entries[entries.length - 1]?.id)}>Load older entries</button>`}
    </section>`;
}

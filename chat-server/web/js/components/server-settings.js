// @ts-check
// Server settings, for those allowed: the overview, channels and categories, roles,
// members and bans, invites, the audit log. A tab the caller's permissions do not open is not
// offered.

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { P, has, permissionsOf } from '../permissions.js';
import { go } from '../router.js';
import { getState, useStore } from '../store.js';
import { ServerAuditLog } from './server-audit-log.js';
import { ServerChannels } from './server-channels.js';
import { ServerInvites } from './server-invites.js';
import { ServerMembers } from './server-members.js';
import { ServerRoles } from './server-roles.js';

/** @param {{ serverId: string, tab: string }} props */
export function ServerSettings({ serverId, tab }) {
  const server = useStore((s) => s.servers[serverId]);
  useStore((s) => s.roles[serverId]);
  useStore((s) => s.members[serverId]);
  if (!server) return html`<main class="settings"><p role="alert">No such server.</p></main>`;
  const s = getState();
  const perms = permissionsOf(s, serverId);
  const owner = server.owner_id === s.me?.id;
  const tabs = [
    ['overview', 'Overview', has(perms, P.MANAGE_SERVER)],
    ['channels', 'Channels', has(perms, P.MANAGE_CHANNELS)],
    ['roles', 'Roles', has(perms, P.MANAGE_ROLES)],
    ['members', 'Members', [P.KICK_MEMBERS, P.BAN_MEMBERS, P.MANAGE_ROLES, P.MODERATE_MEMBERS].some((p) => has(perms, p))],
    ['invites', 'Invites', has(perms, P.MANAGE_SERVER) || has(perms, P.CREATE_INVITE)],
    ['audit-log', 'Audit log', has(perms, P.VIEW_AUDIT_LOG)],
    ['leave', 'Leave', !owner],
  ].filter(([, , allowed]) => allowed);
  const current = tabs.find(([id]) => id === tab)?.[0] ?? tabs[0]?.[0];
  return html`
    <div class="settings">
      <nav aria-label=${`${server.name} settings`}>
        ${tabs.map(
          ([id, label]) => html`<button aria-current=${current === id ? 'page' : undefined}
            onClick=${() => go(`/servers/${serverId}/settings/${id}`)}>${label}</button>`,
        )}
        <button onClick=${() => go(`/channels/${serverId}`)}>← Back to ${server.name}</button>
      </nav>
      <main>
        ${current === 'overview' && html`<${Overview} server=${server} owner=${owner} />`}
        ${current === 'channels' && html`<${ServerChannels} server=${server} />`}
        ${current === 'roles' && html`<${ServerRoles} server=${server} />`}
        ${current === 'members' && html`<${ServerMembers} server=${server} />`}
        ${current === 'invites' && html`<${ServerInvites} server=${server} />`}
        ${current === 'audit-log' && html`<${ServerAuditLog} server=${server} />`}
        ${current === 'leave' && html`<${Leave} server=${server} />`}
      </main>
    </div>`;
}

/** @param {{ server: import('../store.js').Server, owner: boolean }} props */
function Overview({ server, owner }) {
  const [status, setStatus] = useState('');
  /** @param {SubmitEvent} event */
  const save = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    try {
      await api.patch(`/servers/${server.id}`, {
        name: String(form.get('name')),
        icon_url: String(form.get('icon_url')),
        description: String(form.get('description')),
        is_public: form.get('is_public') === 'on',
      });
      setStatus('Saved.');
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Server overview</h1>
      <form onSubmit=${save}>
        <label class="field">Server name<input name="name" required maxlength="100" value=${server.name} /></label>
        <label class="field">Icon URL<input name="icon_url" type="url" maxlength="2048" value=${server.icon_url} /></label>
        <label class="field">Description<textarea name="description" maxlength="1024" rows="3">${server.description}</textarea></label>
        <label class="check"><input type="checkbox" name="is_public" checked=${server.is_public} /> Listed in public servers</label>
        <button class="button" type="submit">Save changes</button>
        <span role="status" class="muted" style="margin-left: 12px">${status}</span>
      </form>
      ${owner && html`<h2>Danger zone</h2>
        <button class="button danger" onClick=${async () => {
          if (!confirm(`Delete ${server.name} for everyone?`)) return;
          await api.del(`/servers/${server.id}`);
          go('/channels/@me');
        }}>Delete server</button>`}
    </section>`;
}

/** @param {{ server: import('../store.js').Server }} props */
function Leave({ server }) {
  return html`<section><h2>Leave ${server.name}</h2>
    <button class="button danger" onClick=${async () => {
      await api.del(`/servers/${server.id}/members/@me`);
      go('/channels/@me');
    }}>Leave server</button></section>`;
}

// @ts-check
// Members: their roles (assign and take away), kick and ban; the ban list with unban.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { ensureUsers } from '../actions.js';
import { html } from '../html.js';
import { P, has, permissionsOf } from '../permissions.js';
import { displayName, getState, useStore } from '../store.js';

/** @param {{ server: import('../store.js').Server }} props */
export function ServerMembers({ server }) {
  const members = useStore((s) => s.members[server.id]) ?? {};
  const roles = (useStore((s) => s.roles[server.id]) ?? []).filter((r) => !r.is_default);
  useStore((s) => s.users);
  const [bans, setBans] = useState(/** @type {any[]} */ ([]));
  const [error, setError] = useState('');
  const s = getState();
  const perms = permissionsOf(s, server.id);
  const loadBans = () => {
    if (has(perms, P.BAN_MEMBERS)) api.get(`/servers/${server.id}/bans`).then(setBans).catch(() => {});
  };
  useEffect(() => {
    ensureUsers(Object.keys(members));
    loadBans();
  }, [server.id]);
  /** @param {() => Promise<unknown>} action */
  const act = async (action) => {
    setError('');
    try {
      await action();
      loadBans();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const base = `/servers/${server.id}`;
  return html`
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <table>
        <thead><tr><th>Member</th><th>Roles</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          ${Object.values(members).map((m) => {
            const name = displayName(s, m.user_id, server.id);
            const self = m.user_id === s.me?.id || m.user_id === server.owner_id;
            return html`<tr key=${m.user_id}>
              <td>${name}</td>
              <td>
                ${roles.map(
                  (r) => html`<label class="check"><input type="checkbox" checked=${m.role_ids.includes(r.id)}
                    disabled=${!has(perms, P.MANAGE_ROLES)}
                    onChange=${(/** @type {Event} */ e) => act(() =>
                      /** @type {HTMLInputElement} */ (e.target).checked
                        ? api.put(`${base}/members/${m.user_id}/roles/${r.id}`)
                        : api.del(`${base}/members/${m.user_id}/roles/${r.id}`))} /> ${r.name}</label>`,
                )}
              </td>
              <td class="row">
                ${!self && has(perms, P.KICK_MEMBERS) &&
                html`<button class="button danger" aria-label=${`Kick ${name}`}
                  onClick=${() => confirm(`Kick ${name}?`) && act(() => api.del(`${base}/members/${m.user_id}`))}>Kick</button>`}
                ${!self && has(perms, P.BAN_MEMBERS) &&
                html`<button class="button danger" aria-label=${`Ban ${name}`}
                  onClick=${() => confirm(`Ban ${name}?`) && act(() => api.put(`${base}/bans/${m.user_id}`, { reason: '' }))}>Ban</button>`}
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${has(perms, P.BAN_MEMBERS) &&
      html`<h2>Bans</h2>
        ${bans.length === 0 && html`<p class="muted">No one is banned.</p>`}
        <ul>${bans.map((b) => html`<li key=${b.user_id}>${displayName(s, b.user_id)} ${b.reason && html`<span class="muted">— ${b.reason}</span>`}
          <button class="button link" onClick=${() => act(() => api.del(`${base}/bans/${b.user_id}`))}>Unban</button></li>`)}</ul>`}
    </section>`;
}

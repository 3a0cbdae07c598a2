// @ts-check
// Instance administration, for administrators (`chat admin create`): every server, with
// disabling, enabling and deleting an abusive one, and every user, with disabling and
// enabling their account.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { go } from '../router.js';
import { useStore } from '../store.js';

const TABS = [
  ['servers', 'Servers'],
  ['users', 'Users'],
];

/** @param {{ tab: string }} props */
export function AdminPage({ tab }) {
  const me = useStore((s) => s.me);
  if (!me?.instance_admin) {
    return html`<main class="settings"><p role="alert">Only instance administrators see this page.</p></main>`;
  }
  return html`
    <div class="settings">
      <nav aria-label="Administration">
        ${TABS.map(([id, label]) => html`<button aria-current=${tab === id ? 'page' : undefined}
          onClick=${() => go(`/admin/${id}`)}>${label}</button>`)}
        <button onClick=${() => go('/channels/@me')}>← Back to chat</button>
      </nav>
      <main>${tab === 'users' ? html`<${Users} />` : html`<${Servers} />`}</main>
    </div>`;
}

/**
 * A searchable list from an admin route, reloaded after each action.
 * @template T
 * @param {string} path
 * @returns {[T[], (q: string) => void, () => void, string, (e: unknown) => void]}
 */
function useAdminList(path) {
  const [items, setItems] = useState(/** @type {T[]} */ ([]));
  const [q, setQ] = useState('');
  const [error, setError] = useState('');
  const load = () => api.get(`${path}${api.query({ q, limit: 200 })}`).then(setItems).catch((e) => setError(String(e.message ?? e)));
  useEffect(() => {
    load();
  }, [q]);
  const fail = (/** @type {unknown} */ e) => setError(e instanceof Error ? e.message : String(e));
  return [items, setQ, load, error, fail];
}

/** @param {{ label: string, onSearch: (q: string) => void }} props */
function Search({ label, onSearch }) {
  return html`<form role="search" class="row" onSubmit=${(/** @type {SubmitEvent} */ e) => {
    e.preventDefault();
    onSearch(String(new FormData(/** @type {HTMLFormElement} */ (e.target)).get('q') ?? '').trim());
  }}>
    <label class="field">${label}<input name="q" type="search" maxlength="100" /></label>
    <button class="button secondary" type="submit">Search</button>
  </form>`;
}

function Servers() {
  /** @type {[import('../store.js').Server[], any, any, string, any]} */
  const [servers, search, reload, error, fail] = useAdminList('/admin/servers');
  return html`<section aria-labelledby="admin-servers">
    <h1 id="admin-servers">Every server</h1>
    <${Search} label="Server name" onSearch=${search} />
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <table>
      <thead><tr><th>Server</th><th>Members</th><th>Public</th><th>State</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${servers.map((s) => html`<tr key=${s.id}>
        <td>${s.name}</td><td>${s.member_count}</td><td>${s.is_public ? 'yes' : 'no'}</td>
        <td>${s.disabled ? `Disabled: ${s.disabled.reason || 'no reason given'}` : 'Active'}</td>
        <td class="row">${s.disabled
          ? html`<button class="button secondary" aria-label=${`Enable the server ${s.name}`}
              onClick=${() => api.del(`/admin/servers/${s.id}/disabled`).then(reload, fail)}>Enable</button>`
          : html`<button class="button secondary" aria-label=${`Disable the server ${s.name}`}
              onClick=${() => {
                const reason = prompt(`Why disable ${s.name}? Nobody can use it until it is enabled.`);
                if (reason !== null) api.put(`/admin/servers/${s.id}/disabled`, { reason }).then(reload, fail);
              }}>Disable</button>`}
        <button class="button danger" aria-label=${`Delete the server ${s.name}`}
          onClick=${() => confirm(`Delete ${s.name} and everything in it?`) && api.del(`/servers/${s.id}`).then(reload, fail)}>Delete</button></td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}

function Users() {
  /** @type {[{ user: import('../store.js').User, instance_admin: boolean, disabled: { reason: string, at: string } | null }[], any, any, string, any]} */
  const [users, search, reload, error, fail] = useAdminList('/admin/users');
  return html`<section aria-labelledby="admin-users">
    <h1 id="admin-users">Every user</h1>
    <${Search} label="Username" onSearch=${search} />
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <table>
      <thead><tr><th>User</th><th>State</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${users.map(({ user, instance_admin, disabled }) => html`<tr key=${user.id}>
        <td>${user.username}${user.is_bot ? ' (bot)' : ''}</td>
        <td>${instance_admin ? 'Administrator' : disabled ? `Disabled: ${disabled.reason || 'no reason given'}` : 'Active'}</td>
        <td>${!instance_admin && (disabled
          ? html`<button class="button secondary" aria-label=${`Enable ${user.username}`}
              onClick=${() => api.del(`/admin/users/${user.id}/disabled`).then(reload, fail)}>Enable</button>`
          : html`<button class="button danger" aria-label=${`Disable ${user.username}`}
              onClick=${() => {
                const reason = prompt(`Why disable ${user.username}?`);
                if (reason !== null) api.put(`/admin/users/${user.id}/disabled`, { reason }).then(reload, fail);
              }}>Disable</button>`)}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}

// @ts-check
// Roles: create, rename, colour, permissions, reorder and delete (below one's highest role).

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { FLAGS, P, has, toggle } from '../permissions.js';
import { useStore } from '../store.js';

/** @param {{ server: import('../store.js').Server }} props */
export function ServerRoles({ server }) {
  const roles = useStore((s) => s.roles[server.id]) ?? [];
  const [selected, setSelected] = useState(/** @type {string | null} */ (null));
  const [error, setError] = useState('');
  const ordered = [...roles].sort((a, b) => b.position - a.position);
  const role = roles.find((r) => r.id === selected);
  /** @param {() => Promise<unknown>} action */
  const act = async (action) => {
    setError('');
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <section aria-labelledby="roles-title">
      <h1 id="roles-title">Roles</h1>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button class="button" onClick=${() =>
        act(async () => {
          const made = await api.post(`/servers/${server.id}/roles`, { name: 'new role', color: 0, permissions: 0, is_mentionable: false });
          setSelected(made.id);
        })}>Create role</button>
      <ul class="role-list">
        ${ordered.map(
          (r, index) => html`<li key=${r.id} class="row">
            <button class="button link" style=${r.color ? `color: #${r.color.toString(16).padStart(6, '0')}` : ''}
              aria-pressed=${selected === r.id} onClick=${() => setSelected(r.id)}>${r.name}</button>
            ${!r.is_default &&
            html`<button class="icon-button" aria-label=${`Move ${r.name} up`} disabled=${index === 0}
                onClick=${() => act(() => api.patch(`/servers/${server.id}/roles/${r.id}`, { position: r.position + 1 }))}>↑</button>
              <button class="icon-button" aria-label=${`Move ${r.name} down`} disabled=${r.position <= 1}
                onClick=${() => act(() => api.patch(`/servers/${server.id}/roles/${r.id}`, { position: r.position - 1 }))}>↓</button>`}
          </li>`,
        )}
      </ul>
      ${role && html`<${EditRole} key=${role.id} role=${role} act=${act} onDeleted=${() => setSelected(null)} />`}
    </section>`;
}

/**
 * @param {{ role: import('../store.js').Role, act: (f: () => Promise<unknown>) => Promise<void>,
 *   onDeleted: () => void }} props
 */
function EditRole({ role, act, onDeleted }) {
  const path = `/servers/${role.server_id}/roles/${role.id}`;
  /** @param {SubmitEvent} event */
  const save = (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    let permissions = 0;
    for (const [flag] of FLAGS) permissions = toggle(permissions, P[flag], form.get(flag) === 'on');
    act(() =>
      api.patch(path, {
        name: String(form.get('name')),
        color: parseInt(String(form.get('color')).slice(1), 16),
        is_mentionable: form.get('is_mentionable') === 'on',
        permissions,
      }),
    );
  };
  return html`
    <form onSubmit=${save} aria-label=${`Edit ${role.name}`}>
      <h2>${role.name}</h2>
      ${!role.is_default && html`<label class="field">Name<input name="name" required maxlength="100" value=${role.name} /></label>`}
      ${role.is_default && html`<input type="hidden" name="name" value=${role.name} />`}
      <label class="field">Colour<input name="color" type="color" value=${`#${role.color.toString(16).padStart(6, '0')}`} /></label>
      <label class="check"><input type="checkbox" name="is_mentionable" checked=${role.is_mentionable} /> Anyone may mention this role</label>
      <fieldset>
        <legend>Permissions</legend>
        <div class="perm-grid">
          ${FLAGS.map(
            ([flag, label]) => html`<label class="check"><input type="checkbox" name=${flag} checked=${has(role.permissions, P[flag])} /> ${label}</label>`,
          )}
        </div>
      </fieldset>
      <div class="row" style="margin-top: 12px">
        <button class="button" type="submit">Save role</button>
        ${!role.is_default &&
        html`<button class="button danger" type="button" onClick=${() =>
          confirm(`Delete the role ${role.name}?`) && act(async () => { await api.del(path); onDeleted(); })}>Delete role</button>`}
      </div>
    </form>`;
}

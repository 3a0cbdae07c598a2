// @ts-check
// Channels and categories: create, rename, reorder, delete, and permission overwrites per
// role or member, with the engine's explanation of what a member ends up with.

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { FLAGS, P, has, toggle } from '../permissions.js';
import { displayName, getState, useStore } from '../store.js';

/** @typedef {import('../store.js').Channel} Channel */

/** @param {{ server: import('../store.js').Server }} props */
export function ServerChannels({ server }) {
  const channels = useStore((s) => s.channels);
  const categories = useStore((s) => s.categories[server.id]) ?? [];
  const [editing, setEditing] = useState(/** @type {string | null} */ (null));
  const [error, setError] = useState('');
  const list = Object.values(channels)
    .filter((c) => c.server_id === server.id && c.type !== 'thread')
    .sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1));
  /** @param {() => Promise<unknown>} action */
  const act = async (action) => {
    setError('');
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  /**
   * Swaps a channel with its neighbour: every channel gets its new position in one request.
   * @param {number} index
   * @param {number} by
   */
  const move = (index, by) =>
    act(async () => {
      if (!list[index + by]) return;
      const order = [...list];
      [order[index], order[index + by]] = [order[index + by], order[index]];
      await api.patch(`/servers/${server.id}/channels`, order.map((c, position) => ({ id: c.id, position })));
    });
  /**
   * Renames a category.
   * @param {import('../store.js').Category} category
   */
  const rename = (category) => {
    const name = prompt(`Rename ${category.name} to`, category.name)?.trim();
    if (name && name !== category.name) act(() => api.patch(`/servers/${server.id}/categories/${category.id}`, { name }));
  };
  /** @param {SubmitEvent} event */
  const addCategory = (event) => {
    event.preventDefault();
    const formEl = /** @type {HTMLFormElement} */ (event.target);
    const name = String(new FormData(formEl).get('name'));
    act(async () => {
      await api.post(`/servers/${server.id}/categories`, { name });
      formEl.reset();
    });
  };
  return html`
    <section aria-labelledby="channels-title">
      <h1 id="channels-title">Channels</h1>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <table>
        <thead><tr><th>Channel</th><th>Category</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          ${list.map(
            (channel, index) => html`<tr key=${channel.id}>
              <td>${channel.type === 'voice' ? '🔊' : '#'} ${channel.name}</td>
              <td>${categories.find((k) => k.id === channel.category_id)?.name ?? '—'}</td>
              <td class="row">
                <button class="icon-button" aria-label=${`Move ${channel.name} up`} disabled=${index === 0}
                  onClick=${() => move(index, -1)}>↑</button>
                <button class="icon-button" aria-label=${`Move ${channel.name} down`} disabled=${index === list.length - 1}
                  onClick=${() => move(index, 1)}>↓</button>
                <button class="button secondary" onClick=${() => setEditing(editing === channel.id ? null : channel.id)}
                  aria-expanded=${editing === channel.id}>Edit</button>
                <button class="button danger" aria-label=${`Delete ${channel.name}`}
                  onClick=${() => confirm(`Delete #${channel.name} and its messages?`) && act(() => api.del(`/channels/${channel.id}`))}>Delete</button>
              </td>
            </tr>
            ${editing === channel.id && html`<tr><td colspan="3"><${EditChannel} channel=${channel} categories=${categories} server=${server} /></td></tr>`}`,
          )}
        </tbody>
      </table>
      <h2>Categories</h2>
      <ul>
        ${categories.map(
          (k) => html`<li key=${k.id}>${k.name}
            <button class="button link" aria-label=${`Rename the category ${k.name}`} onClick=${() => rename(k)}>rename</button>
            <button class="button link" aria-label=${`Delete the category ${k.name}`}
              onClick=${() => act(() => api.del(`/servers/${server.id}/categories/${k.id}`))}>delete</button></li>`,
        )}
      </ul>
      <form class="row" onSubmit=${addCategory}>
        <label class="visually-hidden" for="new-category">New category name</label>
        <input class="input" id="new-category" name="name" required maxlength="100" placeholder="New category" />
        <button class="button" type="submit">Add category</button>
      </form>
    </section>`;
}

/**
 * @param {{ channel: Channel, categories: import('../store.js').Category[], server: import('../store.js').Server }} props
 */
function EditChannel({ channel, categories, server }) {
  const [status, setStatus] = useState('');
  /** @param {SubmitEvent} event */
  const save = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    try {
      await api.patch(`/channels/${channel.id}`, {
        name: String(form.get('name')),
        topic: String(form.get('topic')),
        slow_mode_delay: Number(form.get('slow_mode_delay')),
        category_id: form.get('category') ? String(form.get('category')) : null,
        nsfw: form.get('nsfw') === 'on',
        is_private: form.get('is_private') === 'on',
      });
      setStatus('Saved.');
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <form onSubmit=${save}>
      <label class="field">Name<input name="name" required maxlength="100" value=${channel.name} /></label>
      <label class="field">Topic<input name="topic" maxlength="1024" value=${channel.topic} /></label>
      <label class="field">Slow mode (seconds)<input name="slow_mode_delay" type="number" min="0" max="21600" value=${channel.slow_mode_delay} /></label>
      <label class="field">Category
        <select name="category"><option value="">None</option>
          ${categories.map((k) => html`<option value=${k.id} selected=${k.id === channel.category_id}>${k.name}</option>`)}
        </select></label>
      <label class="check"><input type="checkbox" name="nsfw" checked=${Boolean(channel.nsfw)} /> Age-restricted (NSFW): people confirm before they see it</label>
      <label class="check"><input type="checkbox" name="is_private" checked=${channel.is_private} /> Private: only roles and members given access see it</label>
      <button class="button" type="submit">Save</button> <span role="status" class="muted">${status}</span>
    </form>
    <${Overwrites} channel=${channel} server=${server} />`;
}

/** @param {{ channel: Channel, server: import('../store.js').Server }} props */
function Overwrites({ channel, server }) {
  const roles = useStore((s) => s.roles[server.id]) ?? [];
  const members = useStore((s) => s.members[server.id]) ?? {};
  const [target, setTarget] = useState(roles.find((r) => r.is_default)?.id ?? '');
  const [explained, setExplained] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');
  const s = getState();
  const kind = roles.some((r) => r.id === target) ? 'role' : 'member';
  const current = channel.permission_overwrites.find((o) => o.id === target) ?? { allow: 0, deny: 0 };
  /**
   * @param {number} flag
   * @param {'allow' | 'deny' | 'inherit'} state
   */
  const set = async (flag, state) => {
    const allow = toggle(current.allow, flag, state === 'allow');
    const deny = toggle(current.deny, flag, state === 'deny');
    try {
      await (allow === 0 && deny === 0
        ? api.del(`/channels/${channel.id}/permissions/${target}`)
        : api.put(`/channels/${channel.id}/permissions/${target}`, { type: kind, allow, deny }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  /** @param {string} user */
  const explain = async (user) => {
    try {
      setExplained(await api.get(`/servers/${server.id}/permissions${api.query({ permission: P.VIEW_CHANNEL, user_id: user, channel_id: channel.id })}`));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <h3>Permission overwrites</h3>
    <label class="field">For
      <select value=${target} onChange=${(/** @type {Event} */ e) => setTarget(/** @type {HTMLSelectElement} */ (e.target).value)}>
        ${roles.map((r) => html`<option value=${r.id}>${r.name}</option>`)}
        ${Object.keys(members).map((id) => html`<option value=${id}>${displayName(s, id, server.id)}</option>`)}
      </select></label>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <table>
      <thead><tr><th>Permission</th><th>Allow</th><th>Inherit</th><th>Deny</th></tr></thead>
      <tbody>
        ${FLAGS.filter(([flag]) => flag !== 'ADMINISTRATOR' && flag !== 'MANAGE_SERVER' && flag !== 'KICK_MEMBERS' && flag !== 'BAN_MEMBERS').map(([flag, label]) => {
          const bit = P[flag];
          const state = has(current.allow, bit) ? 'allow' : has(current.deny, bit) ? 'deny' : 'inherit';
          return html`<tr key=${flag}><td>${label}</td>
            ${['allow', 'inherit', 'deny'].map(
              (option) => html`<td><input type="radio" name=${`ow-${flag}`} aria-label=${`${label}: ${option}`}
                checked=${state === option} onChange=${() => set(bit, /** @type {any} */ (option))} /></td>`,
            )}</tr>`;
        })}
      </tbody>
    </table>
    ${kind === 'member' &&
    html`<p><button class="button secondary" onClick=${() => explain(target)}>Explain whether they can view this channel</button></p>`}
    ${explained &&
    html`<div role="status"><strong>${explained.allowed ? 'Allowed' : 'Denied'}</strong>, decided by
      ${stepName(explained.decided_by)}. Steps: ${explained.steps.map(stepName).join(' → ')}</div>`}`;
}

/** @param {any} step */
function stepName(step) {
  if (typeof step === 'string') return step;
  return step.step ?? step.kind ?? Object.keys(step)[0] ?? '?';
}

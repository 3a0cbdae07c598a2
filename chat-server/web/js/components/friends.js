// @ts-check
// The friends page (home without a conversation): tabs for friends online, all friends,
// pending requests both ways and blocked users, each with what one can do; "Add friend" by
// username.

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { openDm } from '../actions.js';
import { html } from '../html.js';
import { useStore } from '../store.js';
import { Avatar } from './avatar.js';

const TABS = /** @type {const} */ ([
  ['online', 'Online'],
  ['all', 'All'],
  ['pending', 'Pending'],
  ['blocked', 'Blocked'],
]);

export function Friends() {
  const relationships = useStore((s) => s.relationships);
  const presences = useStore((s) => s.presences);
  const [tab, setTab] = useState(/** @type {typeof TABS[number][0]} */ ('online'));
  const [error, setError] = useState('');
  const all = Object.values(relationships).sort((a, b) => a.user.username.localeCompare(b.user.username));
  const online = (/** @type {string} */ id) => (presences[id]?.status ?? 'offline') !== 'offline';
  const shown = all.filter((r) => {
    if (tab === 'online') return r.type === 'friend' && online(r.id);
    if (tab === 'all') return r.type === 'friend';
    if (tab === 'pending') return r.type === 'incoming' || r.type === 'outgoing';
    return r.type === 'blocked';
  });
  const pending = all.filter((r) => r.type === 'incoming').length;
  /** @param {() => Promise<unknown>} action */
  const act = async (action) => {
    setError('');
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const path = (/** @type {string} */ id) => `/users/@me/relationships/${id}`;
  return html`
    <section class="friends" aria-labelledby="friends-title">
      <header class="friends-header">
        <h2 id="friends-title">Friends</h2>
        <div role="tablist" aria-label="Friends">
          ${TABS.map(([id, label]) => html`<button role="tab" aria-selected=${tab === id}
            class=${tab === id ? 'active' : ''} onClick=${() => setTab(id)}>
            ${label}${id === 'pending' && pending > 0 ? html` <span class="badge">${pending}</span>` : ''}</button>`)}
        </div>
      </header>
      <${AddFriend} />
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <ul class="friend-list" aria-label=${TABS.find(([id]) => id === tab)?.[1]}>
        ${shown.length === 0 && html`<li class="muted">${tab === 'blocked' ? 'You blocked no one.' : tab === 'pending' ? 'No pending requests.' : 'No one here yet.'}</li>`}
        ${shown.map((r) => {
          const name = r.user.display_name || r.user.username;
          return html`<li key=${r.id}>
            <${Avatar} user=${r.user} name=${name} status=${r.type === 'friend' ? presences[r.id]?.status ?? 'offline' : undefined} />
            <span class="who"><strong>${name}</strong>
              <span class="muted">${r.type === 'incoming' ? 'Incoming friend request' : r.type === 'outgoing' ? 'Outgoing friend request' : r.type === 'blocked' ? 'Blocked' : online(r.id) ? 'Online' : 'Offline'}</span></span>
            <span class="row">
              ${r.type === 'friend' && html`<button class="button" aria-label=${`Message ${name}`} onClick=${() => act(() => openDm(r.id))}>Message</button>
                <button class="button secondary" aria-label=${`Remove ${name} from friends`} onClick=${() => act(() => api.del(path(r.id)))}>Remove</button>`}
              ${r.type === 'incoming' && html`<button class="button" aria-label=${`Accept ${name}`} onClick=${() => act(() => api.put(path(r.id), { type: 'friend' }))}>Accept</button>
                <button class="button secondary" aria-label=${`Decline ${name}`} onClick=${() => act(() => api.del(path(r.id)))}>Decline</button>`}
              ${r.type === 'outgoing' && html`<button class="button secondary" aria-label=${`Cancel the request to ${name}`} onClick=${() => act(() => api.del(path(r.id)))}>Cancel</button>`}
              ${r.type === 'blocked'
                ? html`<button class="button secondary" aria-label=${`Unblock ${name}`} onClick=${() => act(() => api.del(path(r.id)))}>Unblock</button>`
                : html`<button class="button danger" aria-label=${`Block ${name}`} onClick=${() => act(() => api.put(path(r.id), { type: 'blocked' }))}>Block</button>`}
            </span>
          </li>`;
        })}
      </ul>
    </section>`;
}

/** "Add friend" by username. */
function AddFriend() {
  const [status, setStatus] = useState(/** @type {{ ok: boolean, text: string } | null} */ (null));
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.target);
    const username = String(new FormData(form).get('username') ?? '').trim();
    if (!username) return;
    try {
      await api.post('/users/@me/relationships', { username });
      setStatus({ ok: true, text: `Friend request sent to ${username}.` });
      form.reset();
    } catch (e) {
      const notFound = e instanceof api.ApiError && e.status === 404;
      setStatus({ ok: false, text: notFound ? `No one is called ${username}.` : e instanceof Error ? e.message : String(e) });
    }
  };
  return html`<form class="add-friend" onSubmit=${submit}>
    <label class="field">Add friend<input name="username" placeholder="Their username" maxlength="32" autocomplete="off" /></label>
    <button class="button" type="submit">Send friend request</button>
    ${status && html`<p role="status" class=${status.ok ? 'muted' : 'error'}>${status.text}</p>`}
  </form>`;
}

// @ts-check
// Direct messages: the friends page, the caller's DMs and group DMs, newest activity first
// (a DM closes with its ✕ until a new message), and the dialog that starts a group DM.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { ensureUsers } from '../actions.js';
import { html } from '../html.js';
import { go } from '../router.js';
import { displayName, getState, normalizeChannel, setState, useStore, withEntry } from '../store.js';
import { Dialog, FormButtons } from './dialog.js';

/** @param {{ current: string | null }} props */
export function DmList({ current }) {
  const channels = useStore((s) => s.channels);
  const users = useStore((s) => s.users);
  const readStates = useStore((s) => s.readStates);
  const me = useStore((s) => s.me);
  const [creating, setCreating] = useState(false);
  const pending = useStore((s) => Object.values(s.relationships).filter((r) => r.type === 'incoming').length);
  const dms = Object.values(channels)
    .filter((c) => !c.server_id)
    .sort((a, b) => ((b.last_message_id ?? b.id) > (a.last_message_id ?? a.id) ? 1 : -1));
  const recipients = dms.flatMap((c) => c.recipients).join();
  useEffect(() => {
    ensureUsers(recipients.split(',').filter(Boolean));
  }, [recipients]);
  /** @param {import('../store.js').Channel} channel */
  const title = (channel) =>
    channel.name ||
    channel.recipients
      .filter((id) => id !== me?.id)
      .map((id) => users[id]?.display_name || users[id]?.username || '…')
      .join(', ');
  return html`
    <div class="sidebar-header">
      <h2>Direct messages</h2>
      <button class="icon-button" aria-label="New group DM" title="New group DM"
        onClick=${() => setCreating(true)}>+</button>
    </div>
    <a class=${`channel friends-link${current === null ? ' active' : ''}`} href="#/channels/@me"
      aria-current=${current === null ? 'page' : undefined}>
      <span aria-hidden="true">👋</span><span class="name">Friends</span>
      ${pending > 0 && html`<span class="badge" aria-label=${`${pending} pending friend requests`}>${pending}</span>`}
    </a>
    <ul class="channel-tree" aria-label="Conversations">
      ${dms.length === 0 && html`<li class="muted" style="padding: 8px">No conversations yet.</li>`}
      ${dms.map((c) => {
        const unread = (readStates[c.id]?.unread_count ?? 0) > 0;
        return html`<li key=${c.id}>
          <a class=${`channel${unread ? ' unread' : ''}`} href=${`#/channels/@me/${c.id}`}
            aria-current=${current === c.id ? 'page' : undefined} aria-selected=${current === c.id}>
            <span aria-hidden="true">${c.type === 'group_dm' ? '👥' : '@'}</span>
            <span class="name">${title(c)}</span>
            ${unread && html`<span class="badge">${readStates[c.id]?.unread_count}</span>`}
          </a>
          ${c.type === 'dm' && html`<button class="icon-button close-dm" aria-label=${`Close the conversation with ${title(c)}`}
            title="Close" onClick=${() => {
              api.del(`/channels/${c.id}`).catch(() => {});
              if (current === c.id) go('/channels/@me');
            }}>✕</button>`}
        </li>`;
      })}
    </ul>
    ${creating && html`<${GroupDm} onClose=${() => setCreating(false)} />`}`;
}

/** The caller's friends and the people they share a server with, to pick from. */
export function knownPeople() {
  const s = getState();
  const ids = new Set();
  for (const r of Object.values(s.relationships)) if (r.type === 'friend') ids.add(r.id);
  for (const members of Object.values(s.members)) for (const id of Object.keys(members)) ids.add(id);
  ids.delete(s.me?.id);
  return [...ids].map((id) => ({ id: String(id), name: displayName(s, String(id)) }));
}

/** @param {{ onClose: () => void }} props */
function GroupDm({ onClose }) {
  const [error, setError] = useState('');
  const people = knownPeople();
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const recipients = form.getAll('recipient').map(String);
    try {
      const channel = await api.post('/users/@me/channels', {
        recipients,
        name: String(form.get('name') ?? ''),
      });
      setState((s) => ({ channels: withEntry(s.channels, channel.id, normalizeChannel(channel)) }));
      onClose();
      go(`/channels/@me/${channel.id}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <${Dialog} title="New group DM" onClose=${onClose}>
      <form onSubmit=${submit}>
        <label class="field">Name (optional)<input name="name" maxlength="100" /></label>
        <fieldset>
          <legend>People</legend>
          ${people.length === 0 && html`<p class="muted">Add friends or join a server to find people.</p>`}
          ${people.map(
            (p) => html`<label class="check"><input type="checkbox" name="recipient" value=${p.id} /> ${p.name}</label>`,
          )}
        </fieldset>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <${FormButtons} onCancel=${onClose} submit="Create" />
      </form>
    <//>`;
}

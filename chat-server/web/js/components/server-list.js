// @ts-check
// The server list: home (DMs), each server with its unread and mention badges, and the
// buttons to create or join one.

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { go } from '../router.js';
import { useStore } from '../store.js';
import { Dialog, FormButtons } from './dialog.js';

/** @param {{ current: string }} props */
export function ServerList({ current }) {
  const servers = useStore((s) => s.servers);
  const order = useStore((s) => s.serverOrder);
  const channels = useStore((s) => s.channels);
  const readStates = useStore((s) => s.readStates);
  const [dialog, setDialog] = useState(/** @type {'create' | 'join' | null} */ (null));

  /** @param {(c: import('../store.js').Channel) => boolean} which */
  const counts = (which) => {
    let unread = 0;
    let mentions = 0;
    for (const channel of Object.values(channels)) {
      if (!which(channel)) continue;
      unread += readStates[channel.id]?.unread_count ?? 0;
      mentions += readStates[channel.id]?.mention_count ?? 0;
    }
    return { unread, mentions };
  };
  const home = counts((c) => !c.server_id);
  /** @param {KeyboardEvent} event */
  const arrows = (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const items = /** @type {HTMLElement[]} */ ([
      ...(/** @type {HTMLElement} */ (event.currentTarget).querySelectorAll('.server-icon')),
    ]);
    const at = items.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    items[(at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
    event.preventDefault();
  };
  return html`
    <nav class="servers" aria-label="Servers" onKeyDown=${arrows}>
      <button class="server-icon" aria-current=${current === '@me' ? 'page' : undefined}
        aria-label=${`Direct messages${home.mentions ? `, ${home.mentions} mentions` : ''}`}
        onClick=${() => go('/channels/@me')}>
        <span aria-hidden="true">💬</span>${home.mentions > 0 && html`<span class="badge" aria-hidden="true">${home.mentions}</span>`}
      </button>
      <div class="separator" role="presentation"></div>
      ${order.map((id) => {
        const server = servers[id];
        if (!server) return null;
        const { unread, mentions } = counts((c) => c.server_id === id);
        const label = `${server.name}${mentions ? `, ${mentions} mentions` : unread ? ', unread messages' : ''}`;
        return html`
          <button class=${`server-icon${unread ? ' unread' : ''}`} key=${id} title=${server.name}
            aria-label=${label} aria-current=${current === id ? 'page' : undefined}
            onClick=${() => go(`/channels/${id}`)}>
            ${server.icon_url ? html`<img src=${server.icon_url} alt="" />` : html`<span aria-hidden="true">${initials(server.name)}</span>`}
            ${mentions > 0 && html`<span class="badge" aria-hidden="true">${mentions}</span>`}
          </button>`;
      })}
      <button class="server-icon" aria-label="Create a server" title="Create a server"
        onClick=${() => setDialog('create')}>+</button>
      <button class="server-icon" aria-label="Join a server with an invite" title="Join a server"
        onClick=${() => setDialog('join')}>⤵</button>
      ${dialog === 'create' && html`<${CreateServer} onClose=${() => setDialog(null)} />`}
      ${dialog === 'join' && html`<${JoinServer} onClose=${() => setDialog(null)} />`}
    </nav>`;
}

/** @param {string} name */
function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 3)
    .map((w) => w[0])
    .join('')
    .toUpperCase();
}

/** @param {{ onClose: () => void }} props */
function CreateServer({ onClose }) {
  const [error, setError] = useState('');
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    try {
      const server = await api.post('/servers', {
        name: String(form.get('name')),
        is_public: form.get('public') === 'on',
      });
      onClose();
      go(`/channels/${server.id}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <${Dialog} title="Create a server" onClose=${onClose}>
      <form onSubmit=${submit}>
        <label class="field">Server name<input name="name" required maxlength="100" /></label>
        <label class="check"><input type="checkbox" name="public" /> Listed in public servers</label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <${FormButtons} onCancel=${onClose} submit="Create" />
      </form>
    <//>`;
}

/** @param {{ onClose: () => void }} props */
function JoinServer({ onClose }) {
  const [error, setError] = useState('');
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const code = String(form.get('code')).trim().replace(/^.*\/invite\//, '');
    try {
      const server = await api.post(`/invites/${encodeURIComponent(code)}`);
      onClose();
      go(`/channels/${server.id}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <${Dialog} title="Join a server" onClose=${onClose}>
      <form onSubmit=${submit}>
        <label class="field">Invite code or link<input name="code" required /></label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <${FormButtons} onCancel=${onClose} submit="Join" />
      </form>
    <//>`;
}

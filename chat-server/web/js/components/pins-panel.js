// @ts-check
// A channel's pinned messages, latest pin first; a click jumps to the message.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { go } from '../router.js';
import { displayName, getState } from '../store.js';

/** @param {{ channel: import('../store.js').Channel, onClose: () => void }} props */
export function PinsPanel({ channel, onClose }) {
  const [pins, setPins] = useState(/** @type {any[] | null} */ (null));
  useEffect(() => {
    api.get(`/channels/${channel.id}/pins`).then(setPins).catch(() => setPins([]));
  }, [channel.id]);
  const s = getState();
  return html`
    <aside class="side-panel" aria-label="Pinned messages">
      <header><h2>📌 Pinned messages</h2><button class="icon-button" aria-label="Close pinned messages" onClick=${onClose}>✕</button></header>
      <div class="search-results">
        ${pins?.length === 0 && html`<p class="muted">Nothing is pinned here yet.</p>`}
        <ul style="padding: 0">
          ${pins?.map(
            (m) => html`<li key=${m.id}><button class="hit" onClick=${() => go(`/channels/${channel.server_id ?? '@me'}/${channel.id}/${m.id}`)}>
              <div class="muted">${displayName(s, m.author_id, channel.server_id)}</div>
              <div dangerouslySetInnerHTML=${{ __html: m.content_html }}></div></button></li>`,
          )}
        </ul>
      </div>
    </aside>`;
}

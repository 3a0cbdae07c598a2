// @ts-check
// A channel's archived threads, most recently archived first; a click opens one.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { normalizeChannel, setState, withEntry } from '../store.js';

/**
 * @param {{ channel: import('../store.js').Channel, onOpen: (id: string) => void,
 *   onClose: () => void }} props
 */
export function ThreadsPanel({ channel, onOpen, onClose }) {
  const [threads, setThreads] = useState(/** @type {import('../store.js').Channel[] | null} */ (null));
  useEffect(() => {
    api
      .get(`/channels/${channel.id}/threads/archived`)
      .then((list) => setThreads(list.map(normalizeChannel)))
      .catch(() => setThreads([]));
  }, [channel.id]);
  /** @param {import('../store.js').Channel} thread */
  const open = (thread) => {
    setState((s) => ({ channels: withEntry(s.channels, thread.id, thread) }));
    onOpen(thread.id);
  };
  return html`
    <aside class="side-panel" aria-label="Archived threads">
      <header><h2>🧵 Archived threads</h2><button class="icon-button" aria-label="Close archived threads" onClick=${onClose}>✕</button></header>
      <div class="search-results">
        ${threads?.length === 0 && html`<p class="muted">No archived threads in #${channel.name}.</p>`}
        <ul style="padding: 0">
          ${threads?.map(
            (t) => html`<li key=${t.id}><button class="hit" onClick=${() => open(t)}>
              <div><strong>${t.name}</strong> ${t.thread_metadata?.locked ? '🔒' : ''}</div>
              <div class="muted">${t.message_count ?? 0} messages · archived ${t.thread_metadata ? new Date(t.thread_metadata.archive_timestamp).toLocaleString() : ''}</div>
            </button></li>`,
          )}
        </ul>
      </div>
    </aside>`;
}

// @ts-check
// A thread in the side panel: its messages and its own composer, whether it is archived or
// locked, and (for its owner and MANAGE_THREADS holders) archiving and locking it.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { markRead, openChannel } from '../actions.js';
import { html } from '../html.js';
import { P, has, permissionsOf } from '../permissions.js';
import { getState, normalizeChannel, setState, useStore, withEntry } from '../store.js';
import { Composer } from './composer.js';
import { MessageList } from './message-list.js';

/** @param {{ channelId: string, onClose: () => void }} props */
export function ThreadPanel({ channelId, onClose }) {
  const thread = useStore((s) => s.channels[channelId]);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!thread) {
      api
        .get(`/channels/${channelId}`)
        .then((c) => setState((s) => ({ channels: withEntry(s.channels, c.id, normalizeChannel(c)) })))
        .catch(() => onClose());
    }
    openChannel(channelId).catch(() => {});
  }, [channelId]);
  const meta = thread?.thread_metadata;
  const s = getState();
  const perms = thread?.server_id ? permissionsOf(s, thread.server_id, thread) : 0;
  const manager = has(perms, P.MANAGE_THREADS);
  const owner = thread?.owner_id === s.me?.id;
  /** @param {Record<string, boolean>} change */
  const set = async (change) => {
    setError('');
    try {
      const changed = await api.patch(`/channels/${channelId}`, change);
      setState((st) => ({ channels: withEntry(st.channels, changed.id, normalizeChannel(changed)) }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <aside class="side-panel" aria-label="Thread">
      <header>
        <h2>🧵 ${thread?.name ?? 'Thread'} ${meta?.locked ? html`<span title="Locked" aria-label="locked">🔒</span>` : ''}</h2>
        ${meta && (owner || manager) &&
        html`<button class="button link" onClick=${() => set({ archived: !meta.archived })}
          disabled=${meta.archived && meta.locked && !manager}>${meta.archived ? 'Unarchive' : 'Archive'}</button>`}
        ${meta && manager &&
        html`<button class="button link" onClick=${() => set({ locked: !meta.locked })}>${meta.locked ? 'Unlock' : 'Lock'}</button>`}
        <button class="icon-button" aria-label="Close the thread" onClick=${onClose}>✕</button>
      </header>
      ${meta?.archived && html`<p class="muted thread-state" role="status">This thread is archived${meta.locked ? ' and locked' : ''}.${meta.locked ? '' : ' Sending a message brings it back.'}</p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${thread &&
      html`<${MessageList} channel=${thread} jump=${null} onOpenThread=${() => {}} onRead=${() => markRead(thread.id)} />
        <${Composer} channel=${thread} />`}
    </aside>`;
}

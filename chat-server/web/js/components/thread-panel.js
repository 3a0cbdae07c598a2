// @ts-check
// A thread in the side panel: its messages and its own composer.

import { useEffect } from 'preact/hooks';
import * as api from '../api.js';
import { markRead, openChannel } from '../actions.js';
import { html } from '../html.js';
import { normalizeChannel, setState, useStore, withEntry } from '../store.js';
import { Composer } from './composer.js';
import { MessageList } from './message-list.js';

/** @param {{ channelId: string, onClose: () => void }} props */
export function ThreadPanel({ channelId, onClose }) {
  const thread = useStore((s) => s.channels[channelId]);
  useEffect(() => {
    if (!thread) {
      api
        .get(`/channels/${channelId}`)
        .then((c) => setState((s) => ({ channels: withEntry(s.channels, c.id, normalizeChannel(c)) })))
        .catch(() => onClose());
    }
    openChannel(channelId).catch(() => {});
  }, [channelId]);
  return html`
    <aside class="side-panel" aria-label="Thread">
      <header>
        <h2>🧵 ${thread?.name ?? 'Thread'}</h2>
        <button class="icon-button" aria-label="Close the thread" onClick=${onClose}>✕</button>
      </header>
      ${thread &&
      html`<${MessageList} channel=${thread} jump=${null} onOpenThread=${() => {}} onRead=${() => markRead(thread.id)} />
        <${Composer} channel=${thread} />`}
    </aside>`;
}

// @ts-check
// A channel's messages as a feed (WAI-ARIA): the newest 50 on open, older pages as the
// reader scrolls up and newer ones after a jump into the past, a "new messages" marker,
// who is typing, and read state acknowledged once the newest message is in view. Messages
// of users the reader blocked are collapsed until asked for.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { jumpTo, loadNewer, loadOlder } from '../actions.js';
import { typingIn } from '../events.js';
import { html } from '../html.js';
import { displayName, getState, historyOf, useStore } from '../store.js';
import { MessageItem } from './message.js';

/**
 * @param {{ channel: import('../store.js').Channel, jump: string | null,
 *   onOpenThread: (id: string) => void, onRead: () => void }} props
 */
export function MessageList({ channel, jump, onOpenThread, onRead }) {
  const history = useStore((s) => historyOf(s, channel.id));
  const typing = useStore((s) => s.typing[channel.id]);
  useStore((s) => s.users);
  const relationships = useStore((s) => s.relationships);
  const [revealed, setRevealed] = useState(/** @type {Set<string>} */ (new Set()));
  const feed = useRef(/** @type {HTMLDivElement | null} */ (null));
  const atBottom = useRef(true);
  const [replyTo, setReplyTo] = useState(/** @type {string | null} */ (null));
  // The last message read when the channel opened: the "new messages" marker goes after it.
  const [readMark] = useState(() => getState().readStates[channel.id]?.last_read_id ?? null);
  const [highlight, setHighlight] = useState(/** @type {string | null} */ (null));
  const list = history.list;

  // A jump (from search or a reply) loads the messages around the target and shows it.
  useEffect(() => {
    if (!jump) return;
    const shown = () => {
      const node = feed.current?.querySelector(`[data-message-id="${jump}"]`);
      node?.scrollIntoView({ block: 'center' });
      /** @type {HTMLElement | null | undefined} */ (node)?.focus();
      setHighlight(jump);
    };
    if (list.some((m) => m.id === jump)) shown();
    else jumpTo(channel.id, jump).then(() => requestAnimationFrame(shown)).catch(() => {});
  }, [jump, channel.id]);

  // Stay pinned to the bottom as messages arrive, unless the reader scrolled up.
  useLayoutEffect(() => {
    const node = feed.current;
    if (node && atBottom.current && !jump) node.scrollTop = node.scrollHeight;
  }, [list.length, channel.id]);

  // Reading: the newest message is in view and the page is visible.
  useEffect(() => {
    if (atBottom.current && !history.hasNewer && document.visibilityState === 'visible') onRead();
  }, [list.length, channel.id, history.hasNewer]);

  useEffect(() => {
    const visible = () => {
      if (document.visibilityState === 'visible' && atBottom.current) onRead();
    };
    document.addEventListener('visibilitychange', visible);
    return () => document.removeEventListener('visibilitychange', visible);
  }, [channel.id]);

  const onScroll = () => {
    const node = feed.current;
    if (!node) return;
    atBottom.current = node.scrollHeight - node.scrollTop - node.clientHeight < 40;
    if (node.scrollTop < 200 && history.hasOlder) {
      const before = node.scrollHeight;
      loadOlder(channel.id).then(() => {
        // Keep the reader's place when older messages come in above.
        requestAnimationFrame(() => {
          if (feed.current) feed.current.scrollTop += feed.current.scrollHeight - before;
        });
      });
    }
    if (atBottom.current && history.hasNewer) loadNewer(channel.id);
    if (atBottom.current && !history.hasNewer) onRead();
  };

  const byId = useMemo(() => new Map(list.map((m) => [m.id, m])), [list]);
  const markAfter = readMark && list.some((m) => m.id > readMark && m.author_id !== getState().me?.id) ? readMark : null;
  const names = typingIn(typing).map((id) => displayName(getState(), id, channel.server_id));

  /** @param {KeyboardEvent} event */
  const arrows = (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.tagName !== 'ARTICLE') return;
    const down = event.key === 'ArrowDown' || event.key === 'PageDown';
    const up = event.key === 'ArrowUp' || event.key === 'PageUp';
    if (!down && !up) return;
    const next = down ? target.nextElementSibling : target.previousElementSibling;
    /** @type {HTMLElement | null} */ (next)?.focus();
    event.preventDefault();
  };

  let lastDay = '';
  const me = getState().me?.id;
  const lastOwnId = list.findLast((m) => m.author_id === me)?.id;
  return html`
    <div class="feed" ref=${feed} onScroll=${onScroll}>
      ${history.loaded && !history.hasOlder &&
      html`<div class="load-more muted">This is the start of ${channel.name ? `#${channel.name}` : 'the conversation'}.</div>`}
      ${history.hasOlder && history.loaded &&
      html`<div class="load-more"><button class="button secondary" onClick=${() => loadOlder(channel.id)}>Load older messages</button></div>`}
      <div role="feed" aria-busy=${!history.loaded} aria-label=${`Messages in ${channel.name || 'this conversation'}`} onKeyDown=${arrows}>
      ${list.map((message, index) => {
        const day = new Date(message.created_at).toDateString();
        const showDay = day !== lastDay;
        lastDay = day;
        const previous = list[index - 1];
        if (relationships[message.author_id]?.type === 'blocked' && !revealed.has(message.id)) {
          return html`<article key=${message.id} class="blocked-message" data-message-id=${message.id}
            aria-posinset=${index + 1} aria-setsize=${list.length} tabindex="-1">
            Blocked message —${' '}
            <button class="button link" onClick=${() => setRevealed(new Set([...revealed, message.id]))}>Show</button>
          </article>`;
        }
        const grouped = !showDay && previous && previous.author_id === message.author_id &&
          !message.reply_to_id && previous.type === message.type &&
          Date.parse(message.created_at) - Date.parse(previous.created_at) < 5 * 60_000;
        return html`<${MessageItem} key=${message.id} message=${message} channel=${channel} grouped=${grouped}
            day=${showDay ? day : null} newAbove=${markAfter !== null && previous?.id === markAfter}
            replied=${message.reply_to_id ? byId.get(message.reply_to_id) : undefined}
            highlight=${highlight === message.id}
            posinset=${index + 1} setsize=${list.length} focusable=${index === list.length - 1}
            lastOwn=${message.id === lastOwnId}
            onReply=${() => setReplyTo(message.id)} onOpenThread=${onOpenThread}
            onJump=${(/** @type {string} */ id) => location.hash = `#/channels/${channel.server_id ?? '@me'}/${channel.id}/${id}`} />`;
      })}
      </div>
      ${history.hasNewer &&
      html`<div class="load-more"><button class="button secondary" onClick=${() => loadNewer(channel.id)}>Load newer messages</button></div>`}
    </div>
    <div class="typing" aria-live="polite">${names.length > 0 &&
      `${names.slice(0, 3).join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`}</div>
    <${ReplyState} replyTo=${replyTo} onClear=${() => setReplyTo(null)} channel=${channel} />`;
}

/**
 * Tells the composer which message is being answered (through a DOM event, so that the
 * composer stays one component).
 * @param {{ replyTo: string | null, onClear: () => void, channel: import('../store.js').Channel }} props
 */
function ReplyState({ replyTo, onClear, channel }) {
  useEffect(() => {
    if (!replyTo) return;
    dispatchEvent(new CustomEvent('chat:reply', { detail: { channel: channel.id, message: replyTo } }));
    onClear();
  }, [replyTo]);
  return null;
}

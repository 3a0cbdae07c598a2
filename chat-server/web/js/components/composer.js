// @ts-check
// The composer: Enter sends (Shift+Enter for a new line), the message shows at once as
// sending; typing is announced; a reply is shown above the box until sent or cancelled.

import { useEffect, useRef, useState } from 'preact/hooks';
import { sendMessage, typing } from '../actions.js';
import { html } from '../html.js';
import { P, has, permissionsOf } from '../permissions.js';
import { displayName, getState, historyOf } from '../store.js';

/** @param {{ channel: import('../store.js').Channel }} props */
export function Composer({ channel }) {
  const [replyTo, setReplyTo] = useState(/** @type {string | null} */ (null));
  const box = useRef(/** @type {HTMLTextAreaElement | null} */ (null));
  useEffect(() => {
    setReplyTo(null);
    box.current?.focus();
  }, [channel.id]);
  useEffect(() => {
    /** @param {Event} event */
    const reply = (event) => {
      const detail = /** @type {CustomEvent<{ channel: string, message: string }>} */ (event).detail;
      if (detail.channel !== channel.id) return;
      setReplyTo(detail.message);
      box.current?.focus();
    };
    addEventListener('chat:reply', reply);
    return () => removeEventListener('chat:reply', reply);
  }, [channel.id]);
  if (channel.type === 'voice') return html`<div class="composer muted">Voice channels have no messages.</div>`;
  const s = getState();
  const allowed = !channel.server_id || has(permissionsOf(s, channel.server_id, channel), P.SEND_MESSAGES);
  const replied = replyTo ? historyOf(s, channel.id).list.find((m) => m.id === replyTo) : undefined;
  const send = () => {
    const node = box.current;
    const content = node?.value.trim() ?? '';
    if (!node || !content) return;
    node.value = '';
    sendMessage(channel.id, content, replyTo);
    setReplyTo(null);
  };
  const name = channel.name ? `#${channel.name}` : 'this conversation';
  return html`
    <div class="composer">
      ${replied &&
      html`<div class="replying">
        <span>Replying to <strong>${displayName(s, replied.author_id, channel.server_id)}</strong></span>
        <button class="button link" onClick=${() => setReplyTo(null)} aria-label="Cancel the reply">Cancel</button>
      </div>`}
      <form onSubmit=${(/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        send();
      }}>
        <label class="visually-hidden" for="composer">Message ${name}</label>
        <textarea id="composer" ref=${box} rows="1" maxlength="4000" disabled=${!allowed}
          placeholder=${allowed ? `Message ${name}` : 'You cannot send messages here'}
          onInput=${() => typing(channel.id)}
          onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}></textarea>
        <button class="icon-button" type="submit" aria-label="Send" disabled=${!allowed}>➤</button>
      </form>
    </div>`;
}

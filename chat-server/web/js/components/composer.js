// @ts-check
// The composer: Enter sends (Shift+Enter for a new line), the message shows at once as
// sending; typing is announced; a reply is shown above the box until sent or cancelled.
// Typing `@`, `#` or `:` suggests members and roles, channels, emoji (arrows move, Enter or
// Tab picks, Escape closes); picked mentions are sent in their wire form. Files come with
// the 📎 button, a paste or a drop anywhere on the page, and wait above the box until sent.
// A member a moderator timed out sees until when, and the box opens again by itself then.

import { useEffect, useRef, useState } from 'preact/hooks';
import { sendMessage, typing } from '../actions.js';
import { suggestionsFor, toWire, tokenAt } from '../autocomplete.js';
import { html } from '../html.js';
import { P, has, permissionsOf, timedOutUntil } from '../permissions.js';
import { displayName, getState, historyOf, useStore } from '../store.js';

/** @param {{ channel: import('../store.js').Channel }} props */
export function Composer({ channel }) {
  const [replyTo, setReplyTo] = useState(/** @type {string | null} */ (null));
  const box = useRef(/** @type {HTMLTextAreaElement | null} */ (null));
  const picked = useRef(/** @type {Map<string, string>} */ (new Map()));
  const [files, setFiles] = useState(/** @type {File[]} */ ([]));
  const picker = useRef(/** @type {HTMLInputElement | null} */ (null));
  const [suggest, setSuggest] = useState(
    /** @type {{ items: import('../autocomplete.js').Suggestion[], index: number, start: number } | null} */ (null),
  );
  // Subscribed: a moderator's timeout (MEMBER_UPDATE) closes the box at once.
  useStore((st) => (channel.server_id ? st.members[channel.server_id]?.[st.me?.id ?? '']?.communication_disabled_until : null));
  const until = channel.server_id ? timedOutUntil(getState(), channel.server_id) : null;
  const [, wake] = useState(0);
  useEffect(() => {
    if (!until) return undefined;
    const timer = setTimeout(() => wake((n) => n + 1), until.getTime() - Date.now() + 100);
    return () => clearTimeout(timer);
  }, [until?.getTime()]);
  useEffect(() => {
    setReplyTo(null);
    setSuggest(null);
    setFiles([]);
    picked.current.clear();
    box.current?.focus();
  }, [channel.id]);
  /** @param {FileList | File[] | null | undefined} list */
  const addFiles = (list) => {
    const added = [...(list ?? [])];
    if (added.length) setFiles((now) => [...now, ...added].slice(0, 10));
  };
  useEffect(() => {
    /** @param {DragEvent} e */
    const over = (e) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    /** @param {DragEvent} e */
    const drop = (e) => {
      if (!e.dataTransfer?.files.length) return;
      e.preventDefault();
      addFiles(e.dataTransfer.files);
    };
    addEventListener('dragover', over);
    addEventListener('drop', drop);
    return () => {
      removeEventListener('dragover', over);
      removeEventListener('drop', drop);
    };
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
  const perms = channel.server_id ? permissionsOf(s, channel.server_id, channel) : 0;
  const lockedOut = Boolean(channel.thread_metadata?.locked) && !has(perms, P.MANAGE_THREADS);
  const allowed = (!channel.server_id || has(perms, P.SEND_MESSAGES)) && !lockedOut;
  const canAttach = allowed && (!channel.server_id || has(perms, P.ATTACH_FILES));
  const replied = replyTo ? historyOf(s, channel.id).list.find((m) => m.id === replyTo) : undefined;
  const send = () => {
    const node = box.current;
    const content = toWire(node?.value.trim() ?? '', picked.current);
    if (!node || (!content && !files.length)) return;
    node.value = '';
    picked.current.clear();
    setSuggest(null);
    sendMessage(channel.id, content, replyTo, undefined, files);
    setFiles([]);
    setReplyTo(null);
  };
  const lookUp = () => {
    const node = box.current;
    const token = node ? tokenAt(node.value, node.selectionStart) : null;
    const items = token ? suggestionsFor(getState(), channel, token) : [];
    setSuggest(token && items.length ? { items, index: 0, start: token.start } : null);
  };
  /** @param {import('../autocomplete.js').Suggestion} item */
  const pick = (item) => {
    const node = box.current;
    if (!node || !suggest) return;
    const caret = node.selectionStart;
    node.value = `${node.value.slice(0, suggest.start)}${item.insert} ${node.value.slice(caret)}`;
    const after = suggest.start + item.insert.length + 1;
    node.setSelectionRange(after, after);
    if (item.wire) picked.current.set(item.insert, item.wire);
    setSuggest(null);
    node.focus();
  };
  /** @param {KeyboardEvent} e */
  const keys = (e) => {
    if (suggest) {
      const n = suggest.items.length;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setSuggest({ ...suggest, index: (suggest.index + (e.key === 'ArrowDown' ? 1 : n - 1)) % n });
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(suggest.items[suggest.index]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setSuggest(null);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };
  const name = channel.name ? `#${channel.name}` : 'this conversation';
  const refusal = until
    ? `You are timed out until ${until.toLocaleString()}`
    : lockedOut
      ? 'This thread is locked'
      : 'You cannot send messages here';
  return html`
    <div class="composer">
      ${until && html`<p class="timeout-notice" role="status">⏳ ${refusal}. You can still read.</p>`}
      ${replied &&
      html`<div class="replying">
        <span>Replying to <strong>${displayName(s, replied.author_id, channel.server_id)}</strong></span>
        <button class="button link" onClick=${() => setReplyTo(null)} aria-label="Cancel the reply">Cancel</button>
      </div>`}
      ${suggest &&
      html`<ul class="suggestions" id="composer-suggestions" role="listbox" aria-label="Suggestions">
        ${suggest.items.map((item, i) => html`
          <li id=${`suggestion-${item.key}`} role="option" aria-selected=${i === suggest.index}
            class=${i === suggest.index ? 'active' : ''}
            onMouseDown=${(/** @type {MouseEvent} */ e) => {
              e.preventDefault();
              pick(item);
            }}>
            <span>${item.label}</span><span class="muted">${item.detail}</span>
          </li>`)}
      </ul>`}
      ${files.length > 0 &&
      html`<ul class="staged-files" aria-label="Files to send">
        ${files.map((file, i) => html`<li>
          <span>📄 ${file.name}</span><span class="muted">${formatSize(file.size)}</span>
          <button class="icon-button" aria-label=${`Remove ${file.name}`}
            onClick=${() => setFiles(files.filter((_, j) => j !== i))}>✕</button>
        </li>`)}
      </ul>`}
      <form onSubmit=${(/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        send();
      }}>
        ${canAttach &&
        html`<button class="icon-button" type="button" aria-label="Attach files" title="Attach files"
            onClick=${() => picker.current?.click()}>📎</button>
          <input type="file" multiple hidden ref=${picker} aria-label="Files to attach"
            onChange=${(/** @type {Event} */ e) => {
              const input = /** @type {HTMLInputElement} */ (e.target);
              addFiles(input.files);
              input.value = '';
            }} />`}
        <label class="visually-hidden" for="composer">Message ${name}</label>
        <textarea id="composer" ref=${box} rows="1" maxlength="4000" disabled=${!allowed}
          role="combobox" aria-autocomplete="list" aria-expanded=${Boolean(suggest)}
          aria-controls=${suggest ? 'composer-suggestions' : undefined}
          aria-activedescendant=${suggest ? `suggestion-${suggest.items[suggest.index].key}` : undefined}
          placeholder=${allowed ? `Message ${name}` : refusal}
          onInput=${() => {
            typing(channel.id);
            lookUp();
          }}
          onBlur=${() => setSuggest(null)}
          onPaste=${(/** @type {ClipboardEvent} */ e) => {
            if (canAttach && e.clipboardData?.files.length) {
              e.preventDefault();
              addFiles(e.clipboardData.files);
            }
          }}
          onKeyDown=${keys}></textarea>
        <button class="icon-button" type="submit" aria-label="Send" disabled=${!allowed}>➤</button>
      </form>
    </div>`;
}

/** @param {number} bytes */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

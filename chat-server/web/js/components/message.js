// @ts-check
// One message: author and time, the server's sanitized HTML, its reply, embeds, reactions and
// the actions the caller may take (react, reply, edit with history, delete, pin, thread).

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { discard, retry, toggleReaction } from '../actions.js';
import { html } from '../html.js';
import { P, has, permissionsOf } from '../permissions.js';
import { displayName, getState, useStore } from '../store.js';
import { Avatar } from './avatar.js';
import { formatSize } from './composer.js';
import { Dialog } from './dialog.js';
import { EmojiPicker } from './emoji-picker.js';

/** @typedef {import('../store.js').Message} Message */

const SYSTEM = {
  system_join: 'joined the server.',
  system_leave: 'left the server.',
  channel_pinned: 'pinned a message to this channel.',
};

/**
 * @param {{ message: Message, channel: import('../store.js').Channel, grouped: boolean,
 *   day: string | null, newAbove: boolean, replied?: Message, highlight: boolean, posinset: number, setsize: number,
 *   focusable: boolean, lastOwn?: boolean,
 *   onReply: () => void, onOpenThread: (id: string) => void, onJump: (id: string) => void }} props
 */
export function MessageItem({ message, channel, grouped, day, newAbove, replied, highlight, posinset, setsize, focusable, lastOwn, onReply, onOpenThread, onJump }) {
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const [edits, setEdits] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState('');
  const s = getState();
  const me = s.me?.id;
  const mine = message.author_id === me;
  const perms = channel.server_id ? permissionsOf(s, channel.server_id, channel) : 0;
  const moderator = has(perms, P.MANAGE_MESSAGES);
  const canReact = !channel.server_id || has(perms, P.ADD_REACTIONS);
  const name = displayName(s, message.author_id, channel.server_id);
  const user = s.users[message.author_id];
  const time = new Date(message.created_at);
  const pending = Boolean(message.state);
  const myRoles = (me && channel.server_id && s.members[channel.server_id]?.[me]?.role_ids) || [];
  const mentionsMe = me && (message.mentions.includes(me) || message.mention_everyone
    || message.mention_roles.some((r) => myRoles.includes(r)));

  /** @param {() => Promise<unknown>} action */
  const act = async (action) => {
    setError('');
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const base = `/channels/${message.channel_id}/messages/${message.id}`;

  if (SYSTEM[/** @type {keyof typeof SYSTEM} */ (message.type)]) {
    return html`
      <article class="message system" tabindex="-1" data-message-id=${message.id}
        aria-posinset=${posinset} aria-setsize=${setsize} aria-label=${`${name} ${SYSTEM[/** @type {keyof typeof SYSTEM} */ (message.type)]}`}>
        <${Above} day=${day} newAbove=${newAbove} />
        <span aria-hidden="true" style="text-align:center">→</span>
        <div><strong>${name}</strong> ${SYSTEM[/** @type {keyof typeof SYSTEM} */ (message.type)]}
          <time datetime=${message.created_at}> ${time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time></div>
      </article>`;
  }

  /** @param {SubmitEvent} event */
  const saveEdit = (event) => {
    event.preventDefault();
    const content = String(new FormData(/** @type {HTMLFormElement} */ (event.target)).get('content'));
    act(async () => {
      await api.patch(base, { content });
      setEditing(false);
    });
  };

  const classes = ['message'];
  if (message.state) classes.push(message.state);
  if (highlight) classes.push('highlight');
  if (mentionsMe && !mine) classes.push('mentioned');
  return html`
    <article class=${classes.join(' ')} tabindex=${focusable ? 0 : -1} data-message-id=${message.id}
      aria-posinset=${posinset} aria-setsize=${setsize} aria-labelledby=${`m-${message.id}-meta`}>
      <${Above} day=${day} newAbove=${newAbove} />
      ${message.reply_to_id &&
      html`<button class="reply-ref" onClick=${() => message.reply_to_id && onJump(message.reply_to_id)}>
        <span aria-hidden="true">↪</span><span class="visually-hidden">Replying to</span> <strong>${replied ? displayName(s, replied.author_id, channel.server_id) : ''}</strong>
        <span>${replied ? replied.content.slice(0, 80) : 'Original message'}</span>
      </button>`}
      ${grouped ? html`<span></span>` : html`<${Avatar} user=${user} name=${name} />`}
      <div>
        <div class="meta" id=${`m-${message.id}-meta`} class=${grouped ? 'meta visually-hidden' : 'meta'}>
          <span class="author">${name}</span>
          <time datetime=${message.created_at} title=${time.toLocaleString()}>
            ${time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>
          ${message.is_pinned && html`<span title="Pinned" aria-label="Pinned">📌</span>`}
        </div>
        ${editing
          ? html`<form onSubmit=${saveEdit}>
              <label class="visually-hidden" for=${`edit-${message.id}`}>Edit message</label>
              <textarea class="input" id=${`edit-${message.id}`} name="content" rows="2"
                onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
                  if (e.key === 'Escape') setEditing(false);
                  if (e.key === 'Enter' && !e.shiftKey) {
                    e.preventDefault();
                    /** @type {HTMLTextAreaElement} */ (e.target).form?.requestSubmit();
                  }
                }}>${message.content}</textarea>
              <div class="row"><button class="button" type="submit">Save</button>
                <button class="button secondary" type="button" onClick=${() => setEditing(false)}>Cancel</button></div>
            </form>`
          : html`<div class="body">
              ${pending
                ? html`<p>${message.content}</p>`
                : html`<div dangerouslySetInnerHTML=${{ __html: message.content_html }}
                    onClick=${(/** @type {MouseEvent} */ e) => {
                      const target = /** @type {HTMLElement} */ (e.target);
                      if (target.classList.contains('spoiler')) target.classList.toggle('shown');
                    }}></div>`}
              ${message.is_edited &&
              html`<button class="button link edited" onClick=${() => act(async () => setEdits(await api.get(`${base}/edits`)))}>(edited)</button>`}
            </div>`}
        ${lastOwn && !message.state && html`<${Delivery} message=${message} channel=${channel} />`}
        ${message.state === 'sending' &&
        (message.progress === undefined
          ? html`<div class="muted" role="status">Sending…</div>`
          : html`<div class="muted upload" role="status">
              <span>Uploading ${message.files?.map((f) => f.name).join(', ')}…</span>
              <progress max="1" value=${message.progress} aria-label="Upload progress"></progress>
            </div>`)}
        ${message.state === 'failed' &&
        html`<div class="error" role="alert">Not sent${message.error ? `: ${message.error}` : ''}.
          <button class="button link" onClick=${() => retry(message)}>Retry</button>
          <button class="button link" onClick=${() => discard(message)}>Discard</button></div>`}
        ${message.attachments.map((a) => html`<${AttachmentView} attachment=${a} />`)}
        ${message.embeds.map((embed) => html`<${Embed} embed=${embed} />`)}
        ${message.reactions.length > 0 &&
        html`<div class="reactions" role="group" aria-label="Reactions">
          ${message.reactions.map(
            (r) => html`<button class="reaction" aria-pressed=${r.me} disabled=${!canReact && !r.me}
              aria-label=${`${r.emoji} ${r.count} ${r.count === 1 ? 'reaction' : 'reactions'}${r.me ? ', including yours' : ''}`}
              onClick=${() => act(() => toggleReaction(message, r.emoji))}>${r.emoji} ${r.count}</button>`,
          )}
        </div>`}
        ${message.thread_id &&
        html`<button class="button link" onClick=${() => message.thread_id && onOpenThread(message.thread_id)}>
          🧵 ${s.channels[message.thread_id]?.name ?? 'Thread'}</button>`}
        ${error && html`<p class="error" role="alert">${error}</p>`}
      </div>
      ${!pending &&
      html`<div class="actions" role="toolbar" aria-label="Message actions">
        ${canReact && html`<button class="icon-button" aria-label="Add reaction" onClick=${() => setPicking(!picking)}>☺</button>`}
        <button class="icon-button" aria-label="Reply" onClick=${onReply}>↩</button>
        ${channel.server_id && !message.thread_id && channel.type === 'text' &&
        html`<button class="icon-button" aria-label="Start a thread" onClick=${() =>
          act(async () => {
            const name = prompt('Thread name', message.content.slice(0, 40) || 'Thread');
            if (!name) return;
            const thread = await api.post(`/channels/${message.channel_id}/messages/${message.id}/threads`, { name });
            onOpenThread(thread.id);
          })}>🧵</button>`}
        ${mine && html`<button class="icon-button" aria-label="Edit" onClick=${() => setEditing(true)}>✎</button>`}
        ${moderator &&
        html`<button class="icon-button" aria-label=${message.is_pinned ? 'Unpin' : 'Pin'}
          onClick=${() => act(() => (message.is_pinned ? api.del(`/channels/${message.channel_id}/pins/${message.id}`) : api.put(`/channels/${message.channel_id}/pins/${message.id}`)))}>📌</button>`}
        ${(mine || moderator) &&
        html`<button class="icon-button" aria-label="Delete" onClick=${() => confirm('Delete this message?') && act(() => api.del(base))}>🗑</button>`}
      </div>`}
      ${picking &&
      html`<${EmojiPicker} onPick=${(/** @type {string} */ emoji) => {
        setPicking(false);
        act(() => toggleReaction(message, emoji));
      }} onClose=${() => setPicking(false)} />`}
      ${edits &&
      html`<${Dialog} title="Edit history" onClose=${() => setEdits(null)}>
        <ol>${edits.map((e) => html`<li><time datetime=${e.replaced_at}>${new Date(e.replaced_at).toLocaleString()}</time>
          <div>${e.content}</div></li>`)}
          <li><strong>Now</strong><div>${message.content}</div></li></ol>
        <div class="buttons"><button class="button" onClick=${() => setEdits(null)}>Close</button></div>
      <//>`}
    </article>`;
}

/**
 * What goes above a message: the day it starts, and the "new messages" line.
 * @param {{ day: string | null, newAbove: boolean }} props
 */
function Above({ day, newAbove }) {
  return html`
    ${day && html`<div class="day" style="grid-column: 1 / -1">${day}</div>`}
    ${newAbove && html`<div class="new-marker" style="grid-column: 1 / -1">New messages</div>`}`;
}

/**
 * Where one's newest message has got: read (by those who share read receipts), delivered (a
 * recipient is online, so a live session of theirs has it), or sent.
 * @param {{ message: Message, channel: import('../store.js').Channel }} props
 */
function Delivery({ message, channel }) {
  // Re-rendered as receipts and presences change.
  const receipts = useStore((st) => st.receipts[channel.id]);
  useStore((st) => st.presences);
  const s = getState();
  const readers = Object.entries(receipts ?? {})
    .filter(([user, last]) => user !== message.author_id && last >= message.id)
    .map(([user]) => displayName(s, user, channel.server_id));
  const others = channel.server_id
    ? Object.keys(s.members[channel.server_id] ?? {})
    : channel.recipients;
  const delivered = others.some(
    (user) => user !== message.author_id && ['online', 'idle', 'dnd'].includes(s.presences[user]?.status ?? ''),
  );
  const label = readers.length ? `Seen by ${readers.join(', ')}` : delivered ? 'Delivered' : 'Sent';
  return html`<div class="muted delivery" data-delivery=${readers.length ? 'read' : delivered ? 'delivered' : 'sent'}>${label}</div>`;
}

/** @param {{ attachment: import('../store.js').Attachment }} props */
function AttachmentView({ attachment: a }) {
  if (/^image\/(png|jpeg|gif|webp|avif)$/.test(a.content_type)) {
    const scale = Math.min(1, 400 / Math.max(a.width ?? 400, 1), 300 / Math.max(a.height ?? 300, 1));
    return html`<a class="attachment-image" href=${a.url} target="_blank" rel="noopener">
      <img src=${a.url} alt=${a.filename} loading="lazy"
        width=${a.width ? Math.round(a.width * scale) : undefined} height=${a.height ? Math.round(a.height * scale) : undefined} />
    </a>`;
  }
  return html`<div class="file-card">
    <span aria-hidden="true">📄</span>
    <a href=${a.url} download=${a.filename}>${a.filename}</a>
    <span class="muted">${formatSize(a.size)}</span>
  </div>`;
}

/** @param {{ embed: any }} props */
function Embed({ embed }) {
  // The server only takes http(s) addresses; checked here again all the same.
  const web = (/** @type {string} */ url) => (/^https?:\/\//i.test(url ?? '') ? url : '');
  const color = typeof embed.color === 'number' ? `#${embed.color.toString(16).padStart(6, '0')}` : undefined;
  return html`<div class="embed" style=${color ? `border-left-color: ${color}` : ''}>
    ${embed.title && html`<div><strong>${web(embed.url) ? html`<a href=${web(embed.url)} rel="noopener noreferrer nofollow" target="_blank">${embed.title}</a>` : embed.title}</strong></div>`}
    ${embed.description && html`<div>${embed.description}</div>`}
    ${web(embed.image_url) && html`<img src=${web(embed.image_url)} alt=${embed.title || 'Embedded image'} loading="lazy" />`}
  </div>`;
}

// @ts-check
// A server's channels as a tree view (WAI-ARIA): categories with their channels, threads
// under their channel, unread channels in bold with their mention counts. Arrow keys move,
// Enter opens.

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { P, has, permissionsOf } from '../permissions.js';
import { go } from '../router.js';
import { getState, useStore } from '../store.js';
import { Dialog, FormButtons } from './dialog.js';
import { NotificationSettings } from './notification-settings.js';

/** @typedef {import('../store.js').Channel} Channel */

/** @param {{ server: import('../store.js').Server, current: string | null }} props */
export function ChannelTree({ server, current }) {
  const channels = useStore((s) => s.channels);
  const categories = useStore((s) => s.categories[server.id]);
  const readStates = useStore((s) => s.readStates);
  useStore((s) => s.roles[server.id]);
  const [dialog, setDialog] = useState(/** @type {'channel' | 'invite' | 'notifications' | null} */ (null));
  const perms = permissionsOf(getState(), server.id);
  const mine = Object.values(channels)
    .filter((c) => c.server_id === server.id && !server.disabled)
    .sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1));
  const top = mine.filter((c) => c.type !== 'thread');
  // Archived threads leave the tree; the channel's "Threads" panel lists them.
  const threads = mine.filter((c) => c.type === 'thread' && !c.thread_metadata?.archived);
  const groups = [
    { id: null, name: null, list: top.filter((c) => !c.category_id || !categories?.some((k) => k.id === c.category_id)) },
    ...(categories ?? [])
      .slice()
      .sort((a, b) => a.position - b.position)
      .map((k) => ({ id: k.id, name: k.name, list: top.filter((c) => c.category_id === k.id) })),
  ];

  /** @param {Channel} channel */
  const item = (channel) => {
    const read = readStates[channel.id];
    const unread = (read?.unread_count ?? 0) > 0;
    const mentions = read?.mention_count ?? 0;
    const children = threads.filter((t) => t.parent_id === channel.id);
    const icon = channel.type === 'voice' ? '🔊' : channel.type === 'thread' ? '↳' : '#';
    const label = `${channel.name}${mentions ? `, ${mentions} mentions` : unread ? ', unread' : ''}`;
    return html`
      <li role="none" key=${channel.id}>
        <div role="treeitem" tabindex=${current === channel.id ? 0 : -1} aria-label=${label}
          aria-selected=${current === channel.id} data-channel=${channel.id}
          class=${`channel${unread ? ' unread' : ''}`}
          onClick=${() => go(`/channels/${server.id}/${channel.id}`)}
          onKeyDown=${(/** @type {KeyboardEvent} */ e) => e.key === 'Enter' && go(`/channels/${server.id}/${channel.id}`)}>
          <span aria-hidden="true">${icon}</span><span class="name">${channel.name}</span>
          ${channel.thread_metadata?.locked && html`<span title="Locked" aria-label="locked">🔒</span>`}
          ${mentions > 0 && html`<span class="badge" aria-hidden="true">${mentions}</span>`}
        </div>
        ${children.length > 0 && html`<ul role="group">${children.map(item)}</ul>`}
      </li>`;
  };

  /** @param {KeyboardEvent} event */
  const arrows = (event) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return;
    const items = /** @type {HTMLElement[]} */ ([
      ...(/** @type {HTMLElement} */ (event.currentTarget).querySelectorAll('[role="treeitem"]')),
    ]);
    const at = items.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    const next =
      event.key === 'Home' ? 0 : event.key === 'End' ? items.length - 1
        : Math.max(0, Math.min(items.length - 1, at + (event.key === 'ArrowDown' ? 1 : -1)));
    items[next]?.focus();
    event.preventDefault();
  };
  const hasFocusable = mine.some((c) => c.id === current);
  return html`
    <div class="sidebar-header">
      <h2>${server.name}</h2>
      <div class="row">
        ${has(perms, P.CREATE_INVITE) &&
        html`<button class="icon-button" aria-label="Invite people" title="Invite people"
          onClick=${() => setDialog('invite')}>👤</button>`}
        ${has(perms, P.MANAGE_CHANNELS) &&
        html`<button class="icon-button" aria-label="Create a channel" title="Create a channel"
          onClick=${() => setDialog('channel')}>+</button>`}
        <button class="icon-button" aria-label="Server notification settings" title="Notification settings"
          onClick=${() => setDialog('notifications')}>🔔</button>
        <button class="icon-button" aria-label="Server settings" title="Server settings"
          onClick=${() => go(`/servers/${server.id}/settings`)}>⚙</button>
      </div>
    </div>
    ${server.disabled &&
    html`<p class="error" role="alert" style="padding: 8px 16px">The instance's administrators disabled this server${server.disabled.reason ? `: ${server.disabled.reason}` : ''}.</p>`}
    <ul class="channel-tree" role="tree" aria-label="Channels" onKeyDown=${arrows}
      onFocus=${(/** @type {FocusEvent} */ e) => {
        const tree = /** @type {HTMLElement} */ (e.currentTarget);
        if (!hasFocusable && e.target === tree) {
          /** @type {HTMLElement | null} */ (tree.querySelector('[role="treeitem"]'))?.focus();
        }
      }}
      tabindex=${hasFocusable ? -1 : 0}>
      ${groups.map((g) =>
        g.name === null
          ? g.list.map(item)
          : html`<li role="none" key=${g.id}>
              <span class="category-label" id=${`cat-${g.id}`}>${g.name}</span>
              <ul role="group" aria-labelledby=${`cat-${g.id}`}>${g.list.map(item)}</ul>
            </li>`,
      )}
    </ul>
    ${dialog === 'channel' && html`<${CreateChannel} server=${server} categories=${categories ?? []} onClose=${() => setDialog(null)} />`}
    ${dialog === 'invite' && html`<${CreateInvite} server=${server} onClose=${() => setDialog(null)} />`}
    ${dialog === 'notifications' &&
    html`<${NotificationSettings} scope="servers" id=${server.id} name=${server.name} onClose=${() => setDialog(null)} />`}`;
}

/**
 * @param {{ server: import('../store.js').Server, categories: import('../store.js').Category[],
 *   onClose: () => void }} props
 */
function CreateChannel({ server, categories, onClose }) {
  const [error, setError] = useState('');
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    try {
      const channel = await api.post(`/servers/${server.id}/channels`, {
        name: String(form.get('name')),
        type: String(form.get('type')),
        topic: String(form.get('topic') ?? ''),
        category_id: form.get('category') ? String(form.get('category')) : undefined,
        is_private: form.get('private') === 'on',
      });
      onClose();
      go(`/channels/${server.id}/${channel.id}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <${Dialog} title="Create a channel" onClose=${onClose}>
      <form onSubmit=${submit}>
        <label class="field">Name<input name="name" required maxlength="100" /></label>
        <label class="field">Type
          <select name="type"><option value="text">Text</option><option value="voice">Voice</option></select>
        </label>
        <label class="field">Topic<input name="topic" maxlength="1024" /></label>
        <label class="field">Category
          <select name="category"><option value="">None</option>
            ${categories.map((k) => html`<option value=${k.id}>${k.name}</option>`)}
          </select>
        </label>
        <label class="check"><input type="checkbox" name="private" /> Private channel</label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <${FormButtons} onCancel=${onClose} submit="Create" />
      </form>
    <//>`;
}

/** @param {{ server: import('../store.js').Server, onClose: () => void }} props */
function CreateInvite({ server, onClose }) {
  const [invite, setInvite] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    try {
      setInvite(
        await api.post(`/servers/${server.id}/invites`, {
          max_age: Number(form.get('max_age')),
          max_uses: Number(form.get('max_uses')),
        }),
      );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const link = invite ? `${location.origin}/#/invite/${invite.code}` : '';
  return html`
    <${Dialog} title=${`Invite people to ${server.name}`} onClose=${onClose}>
      ${invite
        ? html`<label class="field">Invite link<input readonly value=${link} id="invite-link"
              onFocus=${(/** @type {FocusEvent} */ e) => /** @type {HTMLInputElement} */ (e.target).select()} /></label>
            <p class="muted">Code: <code data-invite-code>${invite.code}</code></p>
            <div class="buttons"><button class="button" onClick=${onClose}>Done</button></div>`
        : html`<form onSubmit=${submit}>
            <label class="field">Expires after
              <select name="max_age">
                <option value="3600">1 hour</option><option value="86400" selected>1 day</option>
                <option value="604800">7 days</option><option value="0">Never</option>
              </select>
            </label>
            <label class="field">Max uses
              <select name="max_uses">
                <option value="0">No limit</option><option value="1">1</option>
                <option value="5">5</option><option value="25">25</option><option value="100">100</option>
              </select>
            </label>
            ${error && html`<p class="error" role="alert">${error}</p>`}
            <${FormButtons} onCancel=${onClose} submit="Create invite" />
          </form>`}
    <//>`;
}

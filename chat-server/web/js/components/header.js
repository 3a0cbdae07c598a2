// @ts-check
// The channel's header: its name and topic, search, pins, a group DM's settings, the member
// list and theme toggles.

import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { applyTheme } from '../theme.js';
import { displayName, getState, useStore } from '../store.js';
import { GroupDmSettings } from './group-dm-settings.js';
import { NotificationSettings } from './notification-settings.js';

/**
 * @param {{ server: import('../store.js').Server | null, channel: import('../store.js').Channel | null,
 *   membersOpen: boolean, onToggleNav: () => void, onToggleMembers: () => void,
 *   onSearch: (query: Record<string, string>) => void, onPins: () => void, onThreads: () => void }} props
 */
export function Header({ server, channel, membersOpen, onToggleNav, onToggleMembers, onSearch, onPins, onThreads }) {
  const theme = useStore((s) => s.theme);
  const [notifying, setNotifying] = useState(false);
  const [grouping, setGrouping] = useState(false);
  useStore((s) => s.users);
  const me = getState().me;
  const name = !channel
    ? ''
    : channel.server_id
      ? channel.name
      : channel.name ||
        channel.recipients.filter((id) => id !== me?.id).map((id) => displayName(getState(), id)).join(', ');
  /** @param {SubmitEvent} event */
  const search = (event) => {
    event.preventDefault();
    const q = String(new FormData(/** @type {HTMLFormElement} */ (event.target)).get('q') ?? '').trim();
    if (q) onSearch({ q });
  };
  return html`
    <header class="channel-header">
      <button class="icon-button nav-toggle" aria-label="Channels and servers" onClick=${onToggleNav}>☰</button>
      <h1>${channel ? html`<span aria-hidden="true">${channel.server_id ? '# ' : '@ '}</span>${name}` : server?.name ?? 'Home'}</h1>
      <span class="topic" title=${channel?.topic ?? ''}>${channel?.topic ?? ''}</span>
      ${channel && html`<button class="icon-button" aria-label="Notification settings" title="Notification settings"
        onClick=${() => setNotifying(true)}>🔔</button>`}
      ${channel?.type === 'group_dm' && html`<button class="icon-button" aria-label="Group settings" title="Group settings"
        onClick=${() => setGrouping(true)}>👥</button>`}
      ${channel?.type === 'text' && channel.server_id && html`<button class="icon-button" aria-label="Archived threads" title="Archived threads"
        onClick=${onThreads}>🧵</button>`}
      ${channel && html`<button class="icon-button" aria-label="Pinned messages" title="Pinned messages" onClick=${onPins}>📌</button>`}
      ${(server || channel) && !server?.disabled &&
      html`<form role="search" onSubmit=${search}>
        <label class="visually-hidden" for="search-box">Search ${server ? server.name : 'direct messages'}</label>
        <input id="search-box" type="search" name="q" placeholder="Search" maxlength="200" />
      </form>`}
      ${server &&
      html`<button class="icon-button" aria-label="Member list" aria-pressed=${membersOpen}
        title="Member list" onClick=${onToggleMembers}>👥</button>`}
      <button class="icon-button" aria-label=${theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
        title="Theme" data-theme-toggle onClick=${() => applyTheme(theme === 'dark' ? 'light' : 'dark')}>
        ${theme === 'dark' ? '☀' : '☾'}
      </button>
      ${grouping && channel && html`<${GroupDmSettings} channel=${channel} onClose=${() => setGrouping(false)} />`}
      ${notifying && channel &&
      html`<${NotificationSettings} scope="channels" id=${channel.id} name=${channel.server_id ? `#${name}` : name}
        onClose=${() => setNotifying(false)} />`}
    </header>`;
}

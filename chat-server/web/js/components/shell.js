// @ts-check
// The app shell: server list, channel sidebar, the channel's header, messages and composer,
// the member list and a side panel (search results or a thread).

import { useEffect, useState } from 'preact/hooks';
import { markRead, openChannel, requestMembers } from '../actions.js';
import * as api from '../api.js';
import { html } from '../html.js';
import { go } from '../router.js';
import { setState, useStore, withEntry } from '../store.js';
import { ChannelTree } from './channel-tree.js';
import { Composer } from './composer.js';
import { DmList } from './dm-list.js';
import { Friends } from './friends.js';
import { Header } from './header.js';
import { MeBar } from './me-bar.js';
import { MemberList } from './member-list.js';
import { MessageList } from './message-list.js';
import { NsfwGate, nsfwConfirmed } from './nsfw-gate.js';
import { PinsPanel } from './pins-panel.js';
import { SearchPanel } from './search-panel.js';
import { ServerList } from './server-list.js';
import { ThreadPanel } from './thread-panel.js';
import { ThreadsPanel } from './threads-panel.js';

/**
 * @typedef {{ kind: 'search', query: Record<string, string> } | { kind: 'thread', channel: string }
 *   | { kind: 'pins' } | { kind: 'threads' } | null} Panel
 */

/** @param {{ route: { server: string, channel: string | null, message: string | null } }} props */
export function Shell({ route }) {
  const servers = useStore((s) => s.servers);
  const channels = useStore((s) => s.channels);
  const connection = useStore((s) => s.connection);
  const [panel, setPanel] = useState(/** @type {Panel} */ (null));
  const [navOpen, setNavOpen] = useState(false);
  const [, confirmNsfw] = useState(0);
  const [membersOpen, setMembersOpen] = useState(typeof innerWidth === 'number' && innerWidth > 720);
  const isHome = route.server === '@me';
  const server = isHome ? null : servers[route.server];
  const channel = route.channel ? channels[route.channel] : null;

  // A server without a channel in the URL opens its first text channel.
  useEffect(() => {
    if (!server || route.channel) return;
    const first = Object.values(channels)
      .filter((c) => c.server_id === server.id && c.type === 'text')
      .sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1))[0];
    if (first) go(`/channels/${server.id}/${first.id}`);
  }, [server?.id, route.channel, channels]);

  useEffect(() => {
    if (!server) return;
    requestMembers(server.id);
    api
      .get(`/servers/${server.id}/categories`)
      .then((list) => setState((s) => ({ categories: withEntry(s.categories, server.id, list) })))
      .catch(() => {});
  }, [server?.id, connection === 'ready']);

  useEffect(() => {
    if (channel) openChannel(channel.id).catch(() => {});
    setNavOpen(false);
  }, [channel?.id]);

  const classes = ['shell'];
  if (navOpen) classes.push('nav-open');
  if (membersOpen) classes.push('members-open');
  if (panel) classes.push('panel-open');
  return html`
    <div class=${classes.join(' ')}>
      <${ServerList} current=${route.server} />
      <nav class="sidebar" aria-label=${server ? `${server.name} channels` : 'Direct messages'}>
        ${server
          ? html`<${ChannelTree} server=${server} current=${route.channel} />`
          : html`<${DmList} current=${route.channel} />`}
        <${MeBar} />
      </nav>
      <main class="main" aria-label="Messages">
        <${Header}
          server=${server}
          channel=${server?.disabled ? null : channel}
          membersOpen=${membersOpen}
          onToggleNav=${() => setNavOpen(!navOpen)}
          onToggleMembers=${() => setMembersOpen(!membersOpen)}
          onSearch=${(/** @type {Record<string, string>} */ query) => setPanel({ kind: 'search', query })}
          onPins=${() => setPanel({ kind: 'pins' })}
          onThreads=${() => setPanel({ kind: 'threads' })}
        />
        ${connection === 'reconnecting' &&
        html`<div class="connection" role="status">Connection lost. Reconnecting…</div>`}
        <div class="content">
          <div class="messages-pane">
            ${server?.disabled
              ? html`<${Disabled} server=${server} />`
              : channel?.nsfw && !nsfwConfirmed(channel.id)
              ? html`<${NsfwGate} channel=${channel} onConfirm=${() => confirmNsfw((n) => n + 1)} />`
              : channel
              ? html`
                  <${MessageList}
                    channel=${channel}
                    jump=${route.message}
                    onOpenThread=${(/** @type {string} */ id) => setPanel({ kind: 'thread', channel: id })}
                    onRead=${() => markRead(channel.id)}
                  />
                  <${Composer} channel=${channel} />`
              : isHome
                ? html`<${Friends} />`
                : html`<${Empty} />`}
          </div>
        </div>
      </main>
      ${panel?.kind === 'search' &&
      html`<${SearchPanel} server=${server ?? null} query=${panel.query} onClose=${() => setPanel(null)} />`}
      ${panel?.kind === 'thread' &&
      html`<${ThreadPanel} channelId=${panel.channel} onClose=${() => setPanel(null)} />`}
      ${panel?.kind === 'threads' && channel &&
      html`<${ThreadsPanel} channel=${channel} onOpen=${(/** @type {string} */ id) => setPanel({ kind: 'thread', channel: id })}
        onClose=${() => setPanel(null)} />`}
      ${panel?.kind === 'pins' && channel &&
      html`<${PinsPanel} channel=${channel} onClose=${() => setPanel(null)} />`}
      ${server && membersOpen && !panel && html`<${MemberList} server=${server} />`}
    </div>`;
}

/** @param {{ server: import('../store.js').Server }} props */
function Disabled({ server }) {
  return html`<div class="feed" style="padding: 32px">
    <h2>${server.name} is disabled</h2>
    <p class="muted">The instance's administrators disabled this server${server.disabled?.reason ? `: ${server.disabled.reason}` : ''}. Nobody can read or write in it until they enable it again.</p>
  </div>`;
}

function Empty() {
  return html`<div class="feed" style="padding: 32px">
    <h2>No channel</h2>
    <p class="muted">This server has no channel you can see yet.</p>
  </div>`;
}

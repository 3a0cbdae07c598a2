// @ts-check
// The member list: online members by their highest hoisted role, then offline ones; a
// member's card offers a DM and, to moderators, kick and ban.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { ensureUsers, openDm } from '../actions.js';
import { html } from '../html.js';
import { P, has, permissionsOf } from '../permissions.js';
import { displayName, getState, useStore } from '../store.js';
import { Avatar } from './avatar.js';
import { Dialog } from './dialog.js';

/** @param {{ server: import('../store.js').Server }} props */
export function MemberList({ server }) {
  const members = useStore((s) => s.members[server.id]);
  const presences = useStore((s) => s.presences);
  const users = useStore((s) => s.users);
  const [card, setCard] = useState(/** @type {string | null} */ (null));
  const ids = Object.keys(members ?? {});
  const known = ids.join();
  useEffect(() => {
    ensureUsers(known.split(',').filter(Boolean));
  }, [known]);
  const s = getState();
  const online = (/** @type {string} */ id) => {
    const status = presences[id]?.status;
    return status && status !== 'offline' && status !== 'invisible';
  };
  const sorted = ids.sort((a, b) => displayName(s, a, server.id).localeCompare(displayName(s, b, server.id)));
  const groups = [
    ['Online', sorted.filter(online)],
    ['Offline', sorted.filter((id) => !online(id))],
  ];
  return html`
    <aside class="members" aria-label="Members">
      ${groups.map(
        ([title, list]) => html`
          <h2>${title} — ${list.length}</h2>
          <ul>
            ${/** @type {string[]} */ (list).map((id) => {
              const presence = presences[id];
              const name = displayName(s, id, server.id);
              return html`<li key=${id}>
                <button class=${`member${online(id) ? '' : ' offline'}`} onClick=${() => setCard(id)}>
                  <${Avatar} user=${users[id]} name=${name} status=${presence?.status ?? 'offline'} />
                  <span><div>${name}${server.owner_id === id ? html`<span aria-label="owner"> 👑</span>` : ''}
                    <span class="visually-hidden">, ${presence?.status ?? 'offline'}</span></div>
                    ${presence?.custom_status && html`<div class="status-text">${presence.custom_status}</div>`}</span>
                </button>
              </li>`;
            })}
          </ul>`,
      )}
      ${card && html`<${MemberCard} server=${server} userId=${card} onClose=${() => setCard(null)} />`}
    </aside>`;
}

/** @param {{ server: import('../store.js').Server, userId: string, onClose: () => void }} props */
function MemberCard({ server, userId, onClose }) {
  const s = getState();
  const user = s.users[userId];
  const me = s.me?.id;
  const perms = permissionsOf(s, server.id);
  const [error, setError] = useState('');
  const name = displayName(s, userId, server.id);
  /** @param {() => Promise<unknown>} action */
  const act = async (action) => {
    try {
      await action();
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const reason = () => prompt('Reason (optional)') ?? '';
  return html`
    <${Dialog} title=${name} onClose=${onClose}>
      <div class="profile-card">
        <${Avatar} user=${user} name=${name} status=${s.presences[userId]?.status ?? 'offline'} />
        <div>
          <div><strong>${user?.username ?? ''}</strong><span class="muted">#${user?.discriminator ?? ''}</span></div>
          ${user?.bio && html`<p>${user.bio}</p>`}
        </div>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="buttons">
        ${userId !== me && html`<button class="button" onClick=${() => act(() => openDm(userId))}>Message</button>`}
        ${userId !== me && has(perms, P.KICK_MEMBERS) && userId !== server.owner_id &&
        html`<button class="button danger" onClick=${() =>
          act(() => api.del(`/servers/${server.id}/members/${userId}${api.query({ reason: reason() })}`))}>Kick</button>`}
        ${userId !== me && has(perms, P.BAN_MEMBERS) && userId !== server.owner_id &&
        html`<button class="button danger" onClick=${() =>
          act(() => api.put(`/servers/${server.id}/bans/${userId}`, { reason: reason() }))}>Ban</button>`}
        <button class="button secondary" onClick=${onClose}>Close</button>
      </div>
    <//>`;
}

// @ts-check
// Members: their roles (assign and take away), timeouts, kicks and bans with a reason for the
// audit log (a ban may delete the member's recent messages); the ban list with unban.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { ensureUsers } from '../actions.js';
import { html } from '../html.js';
import { Dialog, FormButtons } from './dialog.js';
import { P, has, permissionsOf } from '../permissions.js';
import { displayName, getState, useStore } from '../store.js';

/** @param {{ server: import('../store.js').Server }} props */
export function ServerMembers({ server }) {
  const members = useStore((s) => s.members[server.id]) ?? {};
  const roles = (useStore((s) => s.roles[server.id]) ?? []).filter((r) => !r.is_default);
  useStore((s) => s.users);
  const [bans, setBans] = useState(/** @type {any[]} */ ([]));
  const [error, setError] = useState('');
  const [moderating, setModerating] = useState(
    /** @type {{ kind: 'timeout' | 'kick' | 'ban', userId: string, name: string } | null} */ (null),
  );
  const s = getState();
  const perms = permissionsOf(s, server.id);
  const loadBans = () => {
    if (has(perms, P.BAN_MEMBERS)) api.get(`/servers/${server.id}/bans`).then(setBans).catch(() => {});
  };
  useEffect(() => {
    ensureUsers(Object.keys(members));
    loadBans();
  }, [server.id]);
  /** @param {() => Promise<unknown>} action */
  const act = async (action) => {
    setError('');
    try {
      await action();
      loadBans();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const base = `/servers/${server.id}`;
  return html`
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <table>
        <thead><tr><th>Member</th><th>Roles</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          ${Object.values(members).map((m) => {
            const name = displayName(s, m.user_id, server.id);
            const self = m.user_id === s.me?.id || m.user_id === server.owner_id;
            return html`<tr key=${m.user_id}>
              <td>${name}</td>
              <td>
                ${roles.map(
                  (r) => html`<label class="check"><input type="checkbox" checked=${m.role_ids.includes(r.id)}
                    disabled=${!has(perms, P.MANAGE_ROLES)}
                    onChange=${(/** @type {Event} */ e) => act(() =>
                      /** @type {HTMLInputElement} */ (e.target).checked
                        ? api.put(`${base}/members/${m.user_id}/roles/${r.id}`)
                        : api.del(`${base}/members/${m.user_id}/roles/${r.id}`))} /> ${r.name}</label>`,
                )}
              </td>
              <td class="row">
                ${!self && has(perms, P.MODERATE_MEMBERS) && (timedOut(m)
                  ? html`<button class="button secondary" aria-label=${`Remove the timeout of ${name}`}
                      onClick=${() => act(() => api.patch(`${base}/members/${m.user_id}`, { communication_disabled_until: null }))}>
                      Remove timeout</button>`
                  : html`<button class="button secondary" aria-label=${`Time out ${name}`}
                      onClick=${() => setModerating({ kind: 'timeout', userId: m.user_id, name })}>Time out</button>`)}
                ${!self && has(perms, P.KICK_MEMBERS) &&
                html`<button class="button danger" aria-label=${`Kick ${name}`}
                  onClick=${() => setModerating({ kind: 'kick', userId: m.user_id, name })}>Kick</button>`}
                ${!self && has(perms, P.BAN_MEMBERS) &&
                html`<button class="button danger" aria-label=${`Ban ${name}`}
                  onClick=${() => setModerating({ kind: 'ban', userId: m.user_id, name })}>Ban</button>`}
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${has(perms, P.BAN_MEMBERS) &&
      html`<h2>Bans</h2>
        ${bans.length === 0 && html`<p class="muted">No one is banned.</p>`}
        <ul>${bans.map((b) => html`<li key=${b.user_id}>${displayName(s, b.user_id)} ${b.reason && html`<span class="muted">— ${b.reason}</span>`}
          <button class="button link" onClick=${() => act(() => api.del(`${base}/bans/${b.user_id}`))}>Unban</button></li>`)}</ul>`}
      ${moderating &&
      html`<${Moderate} what=${moderating} base=${base} onClose=${() => setModerating(null)}
        onDone=${(/** @type {() => Promise<unknown>} */ action) => {
          setModerating(null);
          act(action);
        }} />`}
    </section>`;
}

/** @param {import('../store.js').Member} member */
const timedOut = (member) =>
  Boolean(member.communication_disabled_until && new Date(member.communication_disabled_until).getTime() > Date.now());

/** Timeout lengths offered, in seconds (Discord's). */
const DURATIONS = /** @type {[number, string][]} */ ([
  [60, '60 seconds'],
  [5 * 60, '5 minutes'],
  [10 * 60, '10 minutes'],
  [3600, '1 hour'],
  [86400, '1 day'],
  [7 * 86400, '1 week'],
]);

/** How far back a ban deletes the member's messages, in seconds. */
const DELETIONS = /** @type {[number, string][]} */ ([
  [0, "Don't delete any"],
  [3600, 'Previous hour'],
  [6 * 3600, 'Previous 6 hours'],
  [86400, 'Previous 24 hours'],
  [7 * 86400, 'Previous 7 days'],
]);

/**
 * Asks for the reason (and the timeout's length, or how much of the member's history a ban
 * deletes) before a moderation.
 * @param {{ what: { kind: 'timeout' | 'kick' | 'ban', userId: string, name: string }, base: string,
 *   onClose: () => void, onDone: (action: () => Promise<unknown>) => void }} props
 */
function Moderate({ what, base, onClose, onDone }) {
  const verb = { timeout: 'Time out', kick: 'Kick', ban: 'Ban' }[what.kind];
  /** @param {SubmitEvent} event */
  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const reason = String(form.get('reason') ?? '');
    const seconds = Number(form.get('seconds') ?? 0);
    const member = `${base}/members/${what.userId}`;
    if (what.kind === 'timeout') {
      const until = new Date(Date.now() + seconds * 1000).toISOString();
      onDone(() => api.patch(member, { communication_disabled_until: until }, reason));
    } else if (what.kind === 'kick') {
      onDone(() => api.del(member, reason));
    } else {
      onDone(() => api.put(`${base}/bans/${what.userId}`, { reason, delete_message_seconds: seconds }));
    }
  };
  return html`<${Dialog} title=${`${verb} ${what.name}`} onClose=${onClose}>
    <form onSubmit=${submit}>
      ${what.kind === 'timeout' &&
      html`<label class="field">Duration<select name="seconds">
        ${DURATIONS.map(([value, label]) => html`<option value=${value} selected=${value === 3600}>${label}</option>`)}
      </select></label>
      <p class="muted">They can read but not send messages, react, type, start threads or join voice until then.</p>`}
      ${what.kind === 'ban' &&
      html`<label class="field">Delete message history<select name="seconds">
        ${DELETIONS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
      </select></label>`}
      <label class="field">Reason (for the audit log)<input name="reason" maxlength="512" /></label>
      <${FormButtons} onCancel=${onClose} submit=${verb} />
    </form>
  <//>`;
}

// @ts-check
// The caller's bar under the channels: who they are, their presence and custom status, and
// the way to their settings.

import { useState } from 'preact/hooks';
import { setPresence } from '../actions.js';
import { html } from '../html.js';
import { go } from '../router.js';
import { useStore } from '../store.js';
import { Avatar } from './avatar.js';
import { Dialog, FormButtons } from './dialog.js';

const STATUSES = [
  ['online', 'Online'],
  ['idle', 'Idle'],
  ['dnd', 'Do not disturb'],
  ['invisible', 'Invisible'],
];

export function MeBar() {
  const me = useStore((s) => s.me);
  const presence = useStore((s) => (me ? s.presences[me.id] : undefined));
  const [editing, setEditing] = useState(false);
  if (!me) return null;
  const status = presence?.status ?? 'online';
  const label = STATUSES.find(([v]) => v === status)?.[1] ?? status;
  /** @param {SubmitEvent} event */
  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    setPresence(String(form.get('status')), String(form.get('custom_status') ?? ''));
    setEditing(false);
  };
  return html`
    <div class="me-bar">
      <${Avatar} user=${me} name=${me.display_name || me.username} status=${status} />
      <div class="who">
        <div><strong>${me.display_name || me.username}</strong></div>
        <div class="muted" data-presence>${presence?.custom_status || label}</div>
      </div>
      <button class="icon-button" aria-label="Set status" title="Set status" onClick=${() => setEditing(true)}>●</button>
      ${me.instance_admin &&
      html`<button class="icon-button" aria-label="Administration" title="Administration" onClick=${() => go('/admin')}>🛡</button>`}
      <button class="icon-button" aria-label="User settings" title="User settings" onClick=${() => go('/settings')}>⚙</button>
      ${editing &&
      html`<${Dialog} title="Set your status" onClose=${() => setEditing(false)}>
        <form onSubmit=${submit}>
          <fieldset>
            <legend>Presence</legend>
            ${STATUSES.map(
              ([value, text]) =>
                html`<label class="check"><input type="radio" name="status" value=${value} checked=${status === value} /> ${text}</label>`,
            )}
          </fieldset>
          <label class="field">Custom status
            <input name="custom_status" maxlength="128" value=${presence?.custom_status ?? ''} />
          </label>
          <${FormButtons} onCancel=${() => setEditing(false)} submit="Save" />
        </form>
      <//>`}
    </div>`;
}

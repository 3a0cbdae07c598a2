// @ts-check
// The notification preference of a server or a channel: how much notifies (everything,
// only what is addressed to me, nothing) and a mute for a while.

import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { saveNotificationSetting } from '../notifications.js';
import { useStore } from '../store.js';
import { Dialog, FormButtons } from './dialog.js';

const LEVELS = [
  ['all', 'All notifications', 'Mentions, replies, @everyone and @here'],
  ['mentions', 'Only what is addressed to me', 'Mentions of me or my roles, and replies'],
  ['nothing', 'Nothing', 'No notifications at all'],
];

const MUTES = [
  ['0', 'Not muted'],
  ['900', 'For 15 minutes'],
  ['3600', 'For an hour'],
  ['28800', 'For 8 hours'],
  ['86400', 'For 24 hours'],
  ['forever', 'Until I turn it back on'],
];

/**
 * @param {{ scope: 'servers' | 'channels', id: string, name: string, onClose: () => void }} props
 */
export function NotificationSettings({ scope, id, name, onClose }) {
  const current = useStore((s) => s.notificationSettings[scope][id]);
  const [error, setError] = useState('');
  const mutedUntil = current?.muted_until && new Date(current.muted_until) > new Date() ? current.muted_until : null;
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const mute = String(form.get('mute'));
    const until =
      mute === 'keep' ? mutedUntil
      : mute === '0' ? null
      : mute === 'forever' ? '9999-12-31T23:59:59Z'
      : new Date(Date.now() + Number(mute) * 1000).toISOString();
    try {
      await saveNotificationSetting(scope, id, {
        level: /** @type {'all' | 'mentions' | 'nothing'} */ (String(form.get('level'))),
        muted_until: until,
      });
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const level = current?.level ?? 'all';
  return html`
    <${Dialog} title=${`Notifications for ${name}`} onClose=${onClose}>
      <form onSubmit=${submit}>
        <fieldset class="field">
          <legend>Notify me of</legend>
          ${LEVELS.map(([value, label, hint]) => html`
            <label class="radio">
              <input type="radio" name="level" value=${value} checked=${level === value} />
              <span>${label}<span class="muted"> — ${hint}</span></span>
            </label>`)}
        </fieldset>
        <label class="field">Mute
          <select name="mute">
            ${mutedUntil && html`<option value="keep" selected>Muted until ${new Date(mutedUntil).toLocaleString()}</option>`}
            ${MUTES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
          </select>
        </label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <${FormButtons} onCancel=${onClose} submit="Save" />
      </form>
    <//>`;
}

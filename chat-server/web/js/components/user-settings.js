// @ts-check
// User settings: profile (display name, avatar, bio), notifications on this device (sound,
// desktop notifications), appearance (theme), and account security (password, 2FA, devices,
// logging out).

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { go } from '../router.js';
import { setState, useStore, withEntry } from '../store.js';
import { askDesktopPermission, desktopPermission, setSound, soundOn } from '../notifications.js';
import { applyTheme } from '../theme.js';
import { AccountSecurity } from './account-security.js';
import { Avatar } from './avatar.js';

const TABS = [
  ['profile', 'My profile'],
  ['notifications', 'Notifications'],
  ['appearance', 'Appearance'],
  ['security', 'Account security'],
];

/** @param {{ tab: string }} props */
export function UserSettings({ tab }) {
  return html`
    <div class="settings">
      <nav aria-label="User settings">
        ${TABS.map(
          ([id, label]) => html`<button aria-current=${tab === id ? 'page' : undefined}
            onClick=${() => go(`/settings/${id}`)}>${label}</button>`,
        )}
        <button onClick=${() => go('/channels/@me')}>← Back to chat</button>
      </nav>
      <main>
        ${tab === 'appearance' ? html`<${Appearance} />`
          : tab === 'security' ? html`<${AccountSecurity} />`
          : tab === 'notifications' ? html`<${Notifications} />`
          : html`<${Profile} />`}
      </main>
    </div>`;
}

function Notifications() {
  const me = useStore((s) => s.me);
  const [sound, setSoundState] = useState(soundOn());
  const [permission, setPermission] = useState(desktopPermission());
  return html`
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      <label class="radio">
        <input type="checkbox" checked=${sound} onChange=${(/** @type {Event} */ e) => {
          const on = /** @type {HTMLInputElement} */ (e.target).checked;
          setSound(on);
          setSoundState(on);
        }} />
        <span>Play a sound for notifications</span>
      </label>
      <p>Desktop notifications, while this tab is hidden or another channel is open:
        ${permission === 'granted' ? html` <strong>on</strong>.`
          : permission === 'denied' ? html` blocked by the browser (its site settings can allow them).`
          : permission === 'unsupported' ? html` not supported by this browser.`
          : html` <button class="button" onClick=${async () => setPermission(await askDesktopPermission())}>Turn on</button>`}
      </p>
      <p class="muted">What notifies you is set per server and per channel, with the 🔔 buttons.</p>
      <h2>Privacy</h2>
      <label class="radio">
        <input type="checkbox" checked=${Boolean(me?.read_receipts)} onChange=${async (/** @type {Event} */ e) => {
          const on = /** @type {HTMLInputElement} */ (e.target).checked;
          const user = await api.patch('/auth/me', { read_receipts: on });
          setState((s) => ({ me: user, users: withEntry(s.users, user.id, user) }));
        }} />
        <span>Share read receipts: in DMs and small channels, others see how far I have read</span>
      </label>
    </section>`;
}

function Profile() {
  const me = useStore((s) => s.me);
  const [status, setStatus] = useState('');
  if (!me) return null;
  /** @param {SubmitEvent} event */
  const save = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    try {
      const user = await api.patch('/auth/me', {
        display_name: String(form.get('display_name')),
        avatar_url: String(form.get('avatar_url')),
        bio: String(form.get('bio')),
      });
      setState((s) => ({ me: user, users: withEntry(s.users, user.id, user) }));
      setStatus('Saved.');
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">My profile</h1>
      <div class="profile-card">
        <${Avatar} user=${me} name=${me.display_name || me.username} />
        <div><strong>${me.username}</strong><span class="muted">#${me.discriminator}</span></div>
      </div>
      <form onSubmit=${save} style="margin-top: 16px">
        <label class="field">Display name<input name="display_name" maxlength="32" value=${me.display_name} /></label>
        <label class="field">Avatar URL<input name="avatar_url" type="url" maxlength="2048" value=${me.avatar_url} /></label>
        <label class="field">About me<textarea name="bio" maxlength="190" rows="3">${me.bio}</textarea></label>
        <button class="button" type="submit">Save</button>
        <span role="status" class="muted" style="margin-left: 12px">${status}</span>
      </form>
    </section>`;
}

function Appearance() {
  const theme = useStore((s) => s.theme);
  return html`
    <section aria-labelledby="appearance-title">
      <h1 id="appearance-title">Appearance</h1>
      <fieldset>
        <legend>Theme</legend>
        ${[
          ['dark', 'Dark'],
          ['light', 'Light'],
        ].map(
          ([value, label]) => html`<label class="check">
            <input type="radio" name="theme" value=${value} checked=${theme === value} onChange=${() => applyTheme(value)} /> ${label}
          </label>`,
        )}
      </fieldset>
    </section>`;
}

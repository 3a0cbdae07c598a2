// @ts-check
// Account security: the password (changing it logs every other device out), two-factor
// authentication with an authenticator app (a QR code to scan, a first code, backup codes
// shown once; turned off with a code), and the devices logged in, each of which can be
// logged out.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { signOut } from '../actions.js';
import { html } from '../html.js';

/**
 * @typedef {{ id: string, client: string, created_at: string, last_used_at: string,
 *   current: boolean }} LoginSession
 */

export function AccountSecurity() {
  const [sessions, setSessions] = useState(/** @type {LoginSession[]} */ ([]));
  const loadSessions = () => api.get('/auth/sessions').then(setSessions).catch(() => {});
  useEffect(() => {
    loadSessions();
  }, []);
  return html`
    <section aria-labelledby="security-title">
      <h1 id="security-title">Account security</h1>
      <${Password} onChanged=${loadSessions} />
      <${TwoFactor} />
      <h2>Devices</h2>
      <p class="muted">Where your account is logged in. Logging a device out stops it at once.</p>
      <ul class="friend-list" aria-label="Devices">
        ${sessions.map((s) => html`<li key=${s.id}>
          <span class="who"><strong>${s.client || 'Unknown client'}${s.current ? ' (this device)' : ''}</strong>
            <span class="muted">Last active ${new Date(s.last_used_at).toLocaleString()} · logged in ${new Date(s.created_at).toLocaleDateString()}</span></span>
          ${!s.current && html`<button class="button secondary" aria-label=${`Log out ${s.client || 'the device'} last active ${new Date(s.last_used_at).toLocaleString()}`}
            onClick=${() => api.del(`/auth/sessions/${s.id}`).then(loadSessions)}>Log out</button>`}
        </li>`)}
      </ul>
      ${sessions.length > 1 &&
      html`<button class="button secondary" onClick=${() => api.del('/auth/sessions').then(loadSessions)}>Log out all other devices</button>`}
      <h2>This device</h2>
      <button class="button danger" onClick=${() => signOut()}>Log out</button>
    </section>`;
}

/** @param {{ onChanged: () => void }} props */
function Password({ onChanged }) {
  const [status, setStatus] = useState(/** @type {{ ok: boolean, text: string } | null} */ (null));
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.target);
    const data = new FormData(form);
    try {
      await api.post('/auth/password', {
        current_password: String(data.get('current_password')),
        new_password: String(data.get('new_password')),
      });
      form.reset();
      setStatus({ ok: true, text: 'Password changed. Every other device was logged out.' });
      onChanged();
    } catch (e) {
      setStatus({ ok: false, text: e instanceof Error ? e.message : String(e) });
    }
  };
  return html`<h2>Password</h2>
    <form onSubmit=${submit}>
      <label class="field">Current password<input name="current_password" type="password" required autocomplete="current-password" /></label>
      <label class="field">New password<input name="new_password" type="password" required minlength="8" maxlength="128" autocomplete="new-password" /></label>
      <button class="button" type="submit">Change password</button>
      ${status && html`<p role="status" class=${status.ok ? 'muted' : 'error'}>${status.text}</p>`}
    </form>`;
}

function TwoFactor() {
  const [enabled, setEnabled] = useState(/** @type {boolean | null} */ (null));
  const [setup, setSetup] = useState(/** @type {{ secret: string, otpauth_url: string, qr_svg: string } | null} */ (null));
  const [backup, setBackup] = useState(/** @type {string[]} */ ([]));
  const [error, setError] = useState('');
  useEffect(() => {
    api.get('/auth/me').then((me) => setEnabled(Boolean(me.mfa_enabled))).catch(() => {});
  }, []);
  /** @param {(code: string) => Promise<void>} action */
  const withCode = (action) => async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.target);
    setError('');
    try {
      await action(String(new FormData(form).get('code') ?? '').trim());
      form.reset();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const start = async () => {
    setError('');
    try {
      setSetup(await api.post('/auth/mfa/totp/enable'));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const confirm = withCode(async (code) => {
    const answer = await api.post('/auth/mfa/totp/confirm', { code });
    setBackup(answer.backup_codes);
    setSetup(null);
    setEnabled(true);
  });
  const disable = withCode(async (code) => {
    await api.post('/auth/mfa/totp/disable', { code });
    setEnabled(false);
    setBackup([]);
  });
  return html`<h2>Two-factor authentication</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${enabled === false && !setup &&
    html`<p class="muted">Logging in will also ask for a code from an authenticator app.</p>
      <button class="button" onClick=${start}>Enable two-factor authentication</button>`}
    ${setup &&
    html`<div class="totp-setup">
      <img class="qr" alt="QR code to scan with an authenticator app" width="180" height="180"
        src=${`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qr_svg)}`} />
      <div>
        <p>Scan the code with an authenticator app, or enter this key: <code data-totp-secret>${setup.secret}</code></p>
        <form onSubmit=${confirm}>
          <label class="field">Code from the app<input name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="6" /></label>
          <button class="button" type="submit">Turn on</button>
        </form>
      </div>
    </div>`}
    ${backup.length > 0 &&
    html`<div role="status">
      <p><strong>Two-factor authentication is on.</strong> Keep these backup codes somewhere safe: each logs you in once if you lose the app. They are not shown again.</p>
      <ul class="backup-codes" aria-label="Backup codes">${backup.map((c) => html`<li><code>${c}</code></li>`)}</ul>
    </div>`}
    ${enabled === true &&
    html`<p class="muted">On. Logging in asks for a code from your authenticator app.</p>
      <form onSubmit=${disable}>
        <label class="field">Code from the app, or a backup code<input name="code" required maxlength="16" autocomplete="one-time-code" /></label>
        <button class="button danger" type="submit">Turn off two-factor authentication</button>
      </form>`}`;
}

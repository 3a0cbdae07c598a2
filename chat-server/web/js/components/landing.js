// @ts-check
// The landing page: what the product does, log in or register, and the public servers.

import { useEffect, useState } from 'preact/hooks';
import { signIn, signInWithCode } from '../actions.js';
import { html } from '../html.js';
import { InviteCard } from './invite-page.js';

const FEATURES = [
  ['Servers and channels', 'Categories, text and voice channels, threads, DMs and group DMs.'],
  ['Roles and permissions', 'Discord-style roles with per-channel overwrites, explained.'],
  ['Realtime', 'Messages, reactions, typing and presence live over one WebSocket.'],
  ['Search', 'Full-text search with filters, jump straight to the message.'],
  ['Markdown', 'Rendered and sanitized by the server: code, quotes, spoilers, links.'],
  ['Yours to run', 'One binary, embedded storage, the same API as bots and the SDK.'],
];

/** @param {{ next: string | null }} props */
export function Landing({ next }) {
  const invite = next?.match(/^#\/invite\/([^/]+)/)?.[1] ?? null;
  return html`
    <div class="landing">
      <header>
        <span class="brand">chat</span>
        <a class="button secondary" href="#login">Log in</a>
      </header>
      <main>
        <section class="hero" aria-labelledby="hero-title">
          <div>
            <h1 id="hero-title">Where your community talks, live.</h1>
            <p>An open-source realtime chat engine in Rust, with the web client you are looking at.</p>
            <ul class="features">
              ${FEATURES.map(([title, text]) => html`<li><strong>${title}</strong>${text}</li>`)}
            </ul>
          </div>
          <div class="auth-column">
            ${invite && html`<${InviteCard} code=${invite}><p>Log in or register to join.</p><//>`}
            <${AuthCard} next=${next} />
          </div>
        </section>
        <${Discovery} />
      </main>
    </div>`;
}

/** @param {{ next: string | null }} props */
function AuthCard({ next }) {
  const [mode, setMode] = useState(/** @type {'login' | 'register'} */ ('login'));
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [ticket, setTicket] = useState(/** @type {string | null} */ (null));
  /** @param {() => Promise<boolean>} step true once logged in */
  const attempt = async (step) => {
    setBusy(true);
    setError('');
    try {
      if (await step()) location.hash = next ?? '#/channels/@me';
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  /** @param {SubmitEvent} event */
  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    attempt(async () => {
      const needed = await signIn(mode, {
        username: String(form.get('username')),
        password: String(form.get('password')),
        ...(mode === 'register' && form.get('email') ? { email: String(form.get('email')) } : {}),
      });
      setTicket(needed);
      return needed === null;
    });
  };
  /** @param {SubmitEvent} event */
  const submitCode = (event) => {
    event.preventDefault();
    const code = String(new FormData(/** @type {HTMLFormElement} */ (event.target)).get('code') ?? '').trim();
    attempt(async () => {
      await signInWithCode(ticket ?? '', code);
      return true;
    });
  };
  if (ticket) {
    return html`
      <section class="auth-card" id="login" aria-labelledby="auth-title">
        <h2 id="auth-title">Two-factor authentication</h2>
        <p class="muted">Enter the code from your authenticator app, or a backup code.</p>
        <form onSubmit=${submitCode}>
          <label class="field">Code<input name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="16" /></label>
          ${error && html`<p class="error" role="alert">${error}</p>`}
          <button class="button" type="submit" disabled=${busy}>Log in</button>
          <button class="button link" type="button" onClick=${() => setTicket(null)}>Back</button>
        </form>
      </section>`;
  }
  return html`
    <section class="auth-card" id="login" aria-labelledby="auth-title">
      <h2 id="auth-title">${mode === 'login' ? 'Welcome back' : 'Create an account'}</h2>
      <div class="tabs" role="group" aria-label="Log in or register">
        <button class=${`button ${mode === 'login' ? '' : 'secondary'}`} aria-pressed=${mode === 'login'}
          onClick=${() => setMode('login')}>Log in</button>
        <button class=${`button ${mode === 'register' ? '' : 'secondary'}`} aria-pressed=${mode === 'register'}
          onClick=${() => setMode('register')}>Register</button>
      </div>
      <form onSubmit=${submit}>
        <label class="field">Username
          <input name="username" autocomplete="username" required minlength="2" maxlength="32" />
        </label>
        ${mode === 'register' &&
        html`<label class="field">E-mail (optional)<input name="email" type="email" autocomplete="email" /></label>`}
        <label class="field">Password
          <input name="password" type="password" required minlength="8"
            autocomplete=${mode === 'login' ? 'current-password' : 'new-password'} />
        </label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button class="button" type="submit" disabled=${busy}>
          ${mode === 'login' ? 'Log in' : 'Register'}
        </button>
      </form>
    </section>`;
}

/** The public servers, once the server offers the discovery route. */
function Discovery() {
  const [servers, setServers] = useState(/** @type {any[] | null} */ (null));
  useEffect(() => {
    fetch('/api/v1/discovery/servers?limit=12')
      .then((r) => (r.ok ? r.json() : null))
      .then((list) => setServers(Array.isArray(list) ? list : null))
      .catch(() => setServers(null));
  }, []);
  if (!servers) return null;
  return html`
    <section class="discovery" aria-labelledby="discover-title">
      <h2 id="discover-title">Public servers</h2>
      ${servers.length === 0 && html`<p class="muted">No public servers yet: make one and tick "Listed in public servers".</p>`}
      <ul>
        ${servers.map(
          (s) => html`<li><strong>${s.name}</strong><div class="muted">${s.description}</div>
            <div class="muted">${s.member_count} members</div></li>`,
        )}
      </ul>
    </section>`;
}


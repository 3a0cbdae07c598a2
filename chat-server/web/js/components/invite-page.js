// @ts-check
// An invite link: the server it leads to (shown without an account too), and joining it.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { go } from '../router.js';

/**
 * @typedef {{ code: string, expires_at: string | null, server: { id: string, name: string,
 *   description: string, icon_url: string, member_count: number } }} InvitePreview
 */

/**
 * The invite's server, as anyone may see it.
 * @param {{ code: string, children?: any }} props
 */
export function InviteCard({ code, children }) {
  const [invite, setInvite] = useState(/** @type {InvitePreview | null} */ (null));
  const [error, setError] = useState('');
  useEffect(() => {
    api
      .get(`/invites/${encodeURIComponent(code)}`)
      .then(setInvite)
      .catch(() => setError('This invite is invalid or has expired.'));
  }, [code]);
  return html`
    <section class="auth-card invite-card" aria-labelledby="invite-title">
      <p class="muted">You have been invited to join</p>
      <h1 id="invite-title">${invite?.server.name ?? (error ? 'No server' : '…')}</h1>
      ${invite?.server.description && html`<p>${invite.server.description}</p>`}
      ${invite && html`<p class="muted">${invite.server.member_count} ${invite.server.member_count === 1 ? 'member' : 'members'}</p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${invite && children}
    </section>`;
}

/** @param {{ code: string }} props */
export function InvitePage({ code }) {
  const [error, setError] = useState('');
  const join = async () => {
    try {
      const server = await api.post(`/invites/${encodeURIComponent(code)}`);
      go(`/channels/${server.id}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <main class="landing" style="display:grid; place-items:center">
      <${InviteCard} code=${code}>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <div class="row">
          <button class="button" onClick=${join}>Accept the invite</button>
          <button class="button secondary" onClick=${() => go('/channels/@me')}>Not now</button>
        </div>
      <//>
    </main>`;
}

// @ts-check
// An invite link: shows the server and joins it.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { go } from '../router.js';

/** @param {{ code: string }} props */
export function InvitePage({ code }) {
  const [invite, setInvite] = useState(/** @type {any} */ (null));
  const [error, setError] = useState('');
  useEffect(() => {
    api.get(`/invites/${encodeURIComponent(code)}`).then(setInvite).catch((e) => setError(String(e.message ?? e)));
  }, [code]);
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
      <section class="auth-card" aria-labelledby="invite-title">
        <h1 id="invite-title">You have been invited</h1>
        ${invite && html`<p>Join the server with invite <code>${invite.code}</code>.</p>`}
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <div class="row">
          <button class="button" onClick=${join} disabled=${!invite}>Accept the invite</button>
          <button class="button secondary" onClick=${() => go('/channels/@me')}>Not now</button>
        </div>
      </section>
    </main>`;
}

// @ts-check
// Invites: create with a use limit and an expiry, list (MANAGE_SERVER) and revoke.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { P, has, permissionsOf } from '../permissions.js';
import { displayName, getState } from '../store.js';

/** @param {{ server: import('../store.js').Server }} props */
export function ServerInvites({ server }) {
  const [invites, setInvites] = useState(/** @type {any[]} */ ([]));
  const [error, setError] = useState('');
  const s = getState();
  const manage = has(permissionsOf(s, server.id), P.MANAGE_SERVER);
  const load = () => {
    if (manage) api.get(`/servers/${server.id}/invites`).then(setInvites).catch(() => {});
  };
  useEffect(load, [server.id]);
  /** @param {SubmitEvent} event */
  const create = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    try {
      const invite = await api.post(`/servers/${server.id}/invites`, {
        max_age: Number(form.get('max_age')),
        max_uses: Number(form.get('max_uses')),
      });
      setInvites((list) => (manage ? list : [...list, invite]));
      load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <section aria-labelledby="invites-title">
      <h1 id="invites-title">Invites</h1>
      <form class="row" onSubmit=${create}>
        <label class="field">Expires after
          <select name="max_age"><option value="3600">1 hour</option><option value="86400" selected>1 day</option>
            <option value="604800">7 days</option><option value="0">Never</option></select></label>
        <label class="field">Max uses
          <select name="max_uses"><option value="0">No limit</option><option value="1">1</option>
            <option value="10">10</option><option value="100">100</option></select></label>
        <button class="button" type="submit">Create invite</button>
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <table>
        <thead><tr><th>Code</th><th>Creator</th><th>Uses</th><th>Expires</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          ${invites.map(
            (i) => html`<tr key=${i.code}><td><code>${i.code}</code></td><td>${displayName(s, i.inviter_id, server.id)}</td>
              <td>${i.uses}${i.max_uses ? ` / ${i.max_uses}` : ''}</td>
              <td>${i.expires_at ? new Date(i.expires_at).toLocaleString() : 'Never'}</td>
              <td><button class="button danger" aria-label=${`Revoke ${i.code}`}
                onClick=${async () => {
                  try {
                    await api.del(`/invites/${i.code}`);
                    setInvites((list) => list.filter((x) => x.code !== i.code));
                  } catch (e) {
                    setError(e instanceof Error ? e.message : String(e));
                  }
                }}>Revoke</button></td></tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

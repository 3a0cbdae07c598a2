// @ts-check
// A user's avatar (picture or initial) with an optional presence dot.

import { html } from '../html.js';

/**
 * @param {{ user?: import('../store.js').User, status?: string, name: string }} props
 */
export function Avatar({ user, status, name }) {
  return html`<span class="avatar" aria-hidden="true">
    ${user?.avatar_url ? html`<img src=${user.avatar_url} alt="" />` : (name[0] ?? '?').toUpperCase()}
    ${status && html`<span class=${`status-dot ${status === 'invisible' ? 'offline' : status}`}></span>`}
  </span>`;
}

// @ts-check
// Asks once per channel before showing a channel marked NSFW; the answer is kept on this
// device.

import { html } from '../html.js';
import { go } from '../router.js';

const KEY = 'chat.nsfw-ok';

/** @returns {string[]} */
function confirmed() {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '[]');
  } catch {
    return [];
  }
}

/**
 * Whether the reader confirmed they want to see this NSFW channel.
 * @param {string} channel
 */
export function nsfwConfirmed(channel) {
  return confirmed().includes(channel);
}

/** @param {{ channel: import('../store.js').Channel, onConfirm: () => void }} props */
export function NsfwGate({ channel, onConfirm }) {
  return html`<section class="nsfw-gate" aria-labelledby="nsfw-title">
    <h2 id="nsfw-title">#${channel.name} is age-restricted</h2>
    <p>This channel is marked NSFW: it may hold content that is not suitable for everyone.
      Continue only if you are of age and want to see it.</p>
    <div class="row">
      <button class="button" onClick=${() => {
        localStorage.setItem(KEY, JSON.stringify([...confirmed(), channel.id]));
        onConfirm();
      }}>Continue</button>
      <button class="button secondary" onClick=${() => go('/channels/@me')}>Go back</button>
    </div>
  </section>`;
}

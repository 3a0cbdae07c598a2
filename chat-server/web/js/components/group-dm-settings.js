// @ts-check
// A group DM's settings: its name and icon (any participant), who is in it (the owner adds
// friends and people from shared servers, up to 10, and removes anyone), and leaving.

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { go } from '../router.js';
import { displayName, getState, useStore } from '../store.js';
import { Dialog, FormButtons } from './dialog.js';
import { knownPeople } from './dm-list.js';

/** Most participants of a group DM. */
const MAX_GROUP_DM = 10;

/** @param {{ channel: import('../store.js').Channel, onClose: () => void }} props */
export function GroupDmSettings({ channel, onClose }) {
  const live = useStore((s) => s.channels[channel.id]) ?? channel;
  const [error, setError] = useState('');
  const s = getState();
  const owner = live.owner_id === s.me?.id;
  const addable = knownPeople().filter((p) => !live.recipients.includes(p.id));
  /** @param {() => Promise<unknown>} action */
  const act = async (action) => {
    setError('');
    try {
      await action();
      return true;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return false;
    }
  };
  /** @param {SubmitEvent} event */
  const save = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const name = String(form.get('name') ?? '').trim();
    const body = { icon_url: String(form.get('icon_url') ?? ''), ...(name ? { name } : {}) };
    const added = form.getAll('add').map(String);
    const done = await act(async () => {
      await api.patch(`/channels/${live.id}`, body);
      for (const user of added) await api.put(`/channels/${live.id}/recipients/${user}`);
    });
    if (done) onClose();
  };
  return html`<${Dialog} title="Group settings" onClose=${onClose}>
    <form onSubmit=${save}>
      <label class="field">Group name<input name="name" maxlength="100" value=${live.name} /></label>
      <label class="field">Icon URL<input name="icon_url" type="url" maxlength="2048" value=${live.icon_url ?? ''} /></label>
      <fieldset>
        <legend>In this group (${live.recipients.length} of ${MAX_GROUP_DM})</legend>
        <ul class="plain">${live.recipients.map((id) => html`<li key=${id}>${displayName(s, id)}${id === live.owner_id ? ' 👑' : ''}
          ${owner && id !== s.me?.id && html`<button type="button" class="button link" aria-label=${`Remove ${displayName(s, id)} from the group`}
            onClick=${() => act(() => api.del(`/channels/${live.id}/recipients/${id}`))}>Remove</button>`}</li>`)}</ul>
      </fieldset>
      ${owner && live.recipients.length < MAX_GROUP_DM &&
      html`<fieldset>
        <legend>Add people</legend>
        ${addable.length === 0 && html`<p class="muted">Everyone you know is here.</p>`}
        ${addable.map((p) => html`<label class="check"><input type="checkbox" name="add" value=${p.id} /> ${p.name}</label>`)}
      </fieldset>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <${FormButtons} onCancel=${onClose} submit="Save" />
    </form>
    <button class="button danger" onClick=${async () => {
      if (await act(() => api.del(`/channels/${live.id}/recipients/@me`))) {
        onClose();
        go('/channels/@me');
      }
    }}>Leave group</button>
  <//>`;
}

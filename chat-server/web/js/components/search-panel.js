// @ts-check
// Search in a server, or in one's DMs: the query (parts of words match) with its filters
// (author, channel, dates, what a message has) and order, results with their highlights
// (escaped by the server), a click jumps there.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { ensureUsers } from '../actions.js';
import { html } from '../html.js';
import { go } from '../router.js';
import { displayName, getState, useStore } from '../store.js';

/**
 * @param {{ server: import('../store.js').Server | null, query: Record<string, string>, onClose: () => void }} props
 */
export function SearchPanel({ server, query, onClose }) {
  const scope = server?.id ?? '@me';
  const [filters, setFilters] = useState(query);
  const [results, setResults] = useState(/** @type {{ total: number, messages: any[] } | null} */ (null));
  const [error, setError] = useState('');
  const channels = useStore((s) => s.channels);
  const members = useStore((s) => (server ? s.members[server.id] : undefined));
  useStore((s) => s.users);
  useEffect(() => setFilters((f) => ({ ...f, q: query.q })), [query.q]);
  useEffect(() => {
    let live = true;
    setError('');
    const params = { ...filters };
    if (params.after) params.after = new Date(params.after).toISOString();
    if (params.before) params.before = new Date(params.before).toISOString();
    api
      .get(`${server ? `/servers/${server.id}` : '/users/@me'}/messages/search${api.query(params)}`)
      .then((answer) => {
        if (!live) return;
        setResults(answer);
        ensureUsers(answer.messages.map((/** @type {any} */ h) => h.author_id));
      })
      .catch((e) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [scope, JSON.stringify(filters)]);
  const s = getState();
  const textChannels = Object.values(channels).filter((c) =>
    server ? c.server_id === server.id && c.type !== 'voice' : !c.server_id,
  );
  const people = server
    ? Object.keys(members ?? {})
    : [...new Set(textChannels.flatMap((c) => c.recipients))];
  /** @param {import('../store.js').Channel} c */
  const channelName = (c) =>
    c.server_id ? `#${c.name}` : c.name || c.recipients.filter((id) => id !== s.me?.id).map((id) => displayName(s, id)).join(', ');
  /** @param {string} key */
  const set = (key) => (/** @type {Event} */ e) =>
    setFilters({ ...filters, [key]: /** @type {HTMLInputElement} */ (e.target).value });
  return html`
    <aside class="side-panel" aria-label="Search results">
      <header><h2>Search</h2><button class="icon-button" aria-label="Close search" onClick=${onClose}>✕</button></header>
      <form class="filters" onSubmit=${(/** @type {Event} */ e) => e.preventDefault()}>
        <label class="field" style="grid-column: span 2">Words
          <input type="search" value=${filters.q ?? ''} onChange=${set('q')} /></label>
        <label class="field">From
          <select value=${filters.author_id ?? ''} onChange=${set('author_id')}>
            <option value="">Anyone</option>
            ${people.map((id) => html`<option value=${id}>${displayName(s, id, server?.id)}</option>`)}
          </select></label>
        <label class="field">In
          <select value=${filters.channel_id ?? ''} onChange=${set('channel_id')}>
            <option value="">${server ? 'Any channel' : 'Any conversation'}</option>
            ${textChannels.map((c) => html`<option value=${c.id}>${channelName(c)}</option>`)}
          </select></label>
        <label class="field">After<input type="date" value=${filters.after ?? ''} onChange=${set('after')} /></label>
        <label class="field">Before<input type="date" value=${filters.before ?? ''} onChange=${set('before')} /></label>
        <label class="field">Has
          <select value=${filters.has ?? ''} onChange=${set('has')}>
            <option value="">Anything</option><option value="link">Link</option>
            <option value="embed">Embed</option><option value="attachment">Attachment</option>
            <option value="image">Image</option>
          </select></label>
        <label class="field">Order
          <select value=${filters.sort ?? 'relevance'} onChange=${set('sort')}>
            <option value="relevance">Best first</option><option value="date">Newest first</option>
          </select></label>
      </form>
      <div class="search-results" role="region" aria-live="polite" aria-label="Results">
        ${error && html`<p class="error" role="alert">${error}</p>`}
        ${results && html`<p class="muted" data-total>${results.total} ${results.total === 1 ? 'result' : 'results'}</p>`}
        <ul style="padding: 0">
          ${results?.messages.map(
            // A hit is the message with its `highlight` beside its fields.
            (hit) => html`<li key=${hit.id}>
              <button class="hit" onClick=${() => go(`/channels/${scope}/${hit.channel_id}/${hit.id}`)}>
                <div class="muted">${`${displayName(s, hit.author_id, server?.id)} in ${channels[hit.channel_id] ? channelName(channels[hit.channel_id]) : ''} · ${new Date(hit.created_at).toLocaleString()}`}</div>
                <div dangerouslySetInnerHTML=${{ __html: hit.highlight }}></div>
              </button>
            </li>`,
          )}
        </ul>
      </div>
    </aside>`;
}

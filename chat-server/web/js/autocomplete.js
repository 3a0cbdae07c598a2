// @ts-check
// What the composer suggests as people type: members and roles after `@`, channels after
// `#`, emoji after `:`. A picked suggestion shows readably in the box (`@bob`, `#general`) and
// is sent in the wire form (`<@id>`, `<@&id>`, `<#id>`); emoji go in as themselves.

import { P, has, permissionsOf } from './permissions.js';
import { displayName } from './store.js';

/** @typedef {{ key: string, label: string, detail: string, insert: string, wire: string | null }} Suggestion */

/** Common emoji by their shortcodes (GitHub's names, which the server also renders). */
export const EMOJI = /** @type {[string, string][]} */ ([
  ['+1', '👍'], ['-1', '👎'], ['100', '💯'], ['angry', '😠'], ['blush', '😊'], ['boom', '💥'],
  ['broken_heart', '💔'], ['bug', '🐛'], ['cat', '🐱'], ['check', '✔️'], ['clap', '👏'],
  ['coffee', '☕'], ['cold_sweat', '😰'], ['confused', '😕'], ['cookie', '🍪'], ['crab', '🦀'],
  ['cry', '😢'], ['dog', '🐶'], ['eyes', '👀'], ['fire', '🔥'], ['grin', '😁'], ['grinning', '😀'],
  ['heart', '❤️'], ['heart_eyes', '😍'], ['hugs', '🤗'], ['joy', '😂'], ['laughing', '😆'],
  ['muscle', '💪'], ['ok_hand', '👌'], ['party_popper', '🎉'], ['pizza', '🍕'], ['pray', '🙏'],
  ['rage', '😡'], ['raised_hands', '🙌'], ['rocket', '🚀'], ['rofl', '🤣'], ['scream', '😱'],
  ['see_no_evil', '🙈'], ['shrug', '🤷'], ['skull', '💀'], ['sleeping', '😴'], ['smile', '😄'],
  ['smiley', '😃'], ['smirk', '😏'], ['sob', '😭'], ['sparkles', '✨'], ['star', '⭐'],
  ['sunglasses', '😎'], ['sweat_smile', '😅'], ['tada', '🎉'], ['thinking', '🤔'], ['thumbsup', '👍'],
  ['thumbsdown', '👎'], ['trophy', '🏆'], ['unamused', '😒'], ['wave', '👋'], ['white_check_mark', '✅'],
  ['wink', '😉'], ['x', '❌'], ['yum', '😋'], ['zap', '⚡'], ['zzz', '💤'],
]);

/**
 * The word being typed at the caret, if it starts with `@`, `#` or `:`.
 * @param {string} text
 * @param {number} caret
 * @returns {{ start: number, trigger: string, query: string } | null}
 */
export function tokenAt(text, caret) {
  const before = text.slice(0, caret);
  const match = /(^|[\s(])([@#:])([\w.\-+]*)$/.exec(before);
  if (!match) return null;
  const trigger = match[2];
  const query = match[3];
  if (trigger === ':' && query.length < 2) return null;
  return { start: caret - query.length - 1, trigger, query: query.toLowerCase() };
}

/**
 * What to suggest for a token in a channel, best first, eight at most.
 * @param {import('./store.js').State} s
 * @param {import('./store.js').Channel} channel
 * @param {{ trigger: string, query: string }} token
 * @returns {Suggestion[]}
 */
export function suggestionsFor(s, channel, token) {
  const q = token.query;
  const starts = (/** @type {string} */ name) => name.toLowerCase().startsWith(q);
  const contains = (/** @type {string} */ name) => name.toLowerCase().includes(q);
  /** @type {Suggestion[]} */
  const found = [];
  if (token.trigger === '@') {
    const server = channel.server_id;
    const ids = server ? Object.keys(s.members[server] ?? {}) : [...(channel.recipients ?? []), s.me?.id ?? ''];
    for (const id of ids) {
      const user = s.users[id];
      if (!user) continue;
      const shown = displayName(s, id, server);
      if (starts(user.username) || contains(shown)) {
        found.push({ key: `u${id}`, label: shown, detail: `@${user.username}`, insert: `@${user.username}`, wire: `<@${id}>` });
      }
    }
    if (server) {
      const perms = permissionsOf(s, server, channel);
      const everyone = has(perms, P.MENTION_EVERYONE);
      for (const role of s.roles[server] ?? []) {
        if (role.is_default || !(role.is_mentionable || everyone) || !contains(role.name)) continue;
        found.push({ key: `r${role.id}`, label: `@${role.name}`, detail: 'role', insert: `@${role.name}`, wire: `<@&${role.id}>` });
      }
      if (everyone) {
        for (const [name, detail] of [['everyone', 'everyone in the channel'], ['here', 'everyone online']]) {
          if (starts(name)) found.push({ key: name, label: `@${name}`, detail, insert: `@${name}`, wire: null });
        }
      }
    }
  } else if (token.trigger === '#' && channel.server_id) {
    for (const other of Object.values(s.channels)) {
      if (other.server_id !== channel.server_id || other.type !== 'text' || !contains(other.name)) continue;
      found.push({ key: `c${other.id}`, label: `#${other.name}`, detail: 'channel', insert: `#${other.name}`, wire: `<#${other.id}>` });
    }
  } else if (token.trigger === ':') {
    for (const [name, emoji] of EMOJI) {
      if (starts(name)) found.push({ key: `e${name}`, label: `${emoji} :${name}:`, detail: 'emoji', insert: emoji, wire: null });
    }
  }
  return found.slice(0, 8);
}

/**
 * The text with each picked suggestion in its wire form: `@bob` becomes `<@id>` where it
 * stands alone, never inside code.
 * @param {string} text
 * @param {Map<string, string>} picked readable form → wire form
 */
export function toWire(text, picked) {
  if (!picked.size) return text;
  // Code spans and blocks stay as typed.
  return text.split(/(```[\s\S]*?```|`[^`\n]*`)/).map((part, i) => {
    if (i % 2 === 1) return part;
    let out = part;
    for (const [readable, wire] of picked) {
      const escaped = readable.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      out = out.replace(new RegExp(`(^|[^\\w])${escaped}(?![\\w-]|\\.\\w)`, 'g'), (_, lead) => `${lead}${wire}`);
    }
    return out;
  }).join('');
}

// @ts-check
// The permission flags and the calculation the engine makes (Discord's order), so that the
// UI offers only the controls the caller may use. The engine checks every action again.

/** The flags, as numbers on the wire. */
export const P = {
  VIEW_CHANNEL: 1 << 0,
  SEND_MESSAGES: 1 << 1,
  MANAGE_MESSAGES: 1 << 2,
  MANAGE_CHANNELS: 1 << 3,
  MANAGE_SERVER: 1 << 4,
  KICK_MEMBERS: 1 << 5,
  BAN_MEMBERS: 1 << 6,
  MANAGE_ROLES: 1 << 7,
  MENTION_EVERYONE: 1 << 8,
  ADD_REACTIONS: 1 << 9,
  ATTACH_FILES: 1 << 10,
  CREATE_INVITE: 1 << 11,
  VIEW_AUDIT_LOG: 1 << 12,
  MODERATE_MEMBERS: 1 << 13,
  MANAGE_THREADS: 1 << 14,
  MANAGE_NICKNAMES: 1 << 15,
  ADMINISTRATOR: 2 ** 31,
};

/** Every flag, with a label for the role and overwrite editors. */
export const FLAGS = /** @type {[keyof typeof P, string][]} */ ([
  ['VIEW_CHANNEL', 'View channels'],
  ['SEND_MESSAGES', 'Send messages'],
  ['ADD_REACTIONS', 'Add reactions'],
  ['ATTACH_FILES', 'Attach files'],
  ['MENTION_EVERYONE', 'Mention @everyone'],
  ['CREATE_INVITE', 'Create invites'],
  ['MANAGE_MESSAGES', 'Manage messages'],
  ['MANAGE_CHANNELS', 'Manage channels'],
  ['MANAGE_ROLES', 'Manage roles'],
  ['MANAGE_SERVER', 'Manage server'],
  ['KICK_MEMBERS', 'Kick members'],
  ['BAN_MEMBERS', 'Ban members'],
  ['MODERATE_MEMBERS', 'Time out members'],
  ['MANAGE_NICKNAMES', 'Manage nicknames'],
  ['MANAGE_THREADS', 'Manage threads'],
  ['VIEW_AUDIT_LOG', 'View audit log'],
  ['ADMINISTRATOR', 'Administrator'],
]);

const ALL = Object.values(P).reduce((a, b) => a + b, 0);

/**
 * Whether `flags` holds `flag` (flags reach 2^31, past 32-bit bitwise operators).
 * @param {number} flags
 * @param {number} flag
 */
export function has(flags, flag) {
  return Math.floor(flags / flag) % 2 === 1;
}

/**
 * `flags` with `flag` set or cleared.
 * @param {number} flags
 * @param {number} flag
 * @param {boolean} on
 */
export function toggle(flags, flag, on) {
  const set = has(flags, flag);
  if (on && !set) return flags + flag;
  if (!on && set) return flags - flag;
  return flags;
}

/**
 * @param {number} a
 * @param {number} b
 */
function or(a, b) {
  let out = 0;
  for (const flag of Object.values(P)) if (has(a, flag) || has(b, flag)) out += flag;
  return out;
}

/**
 * @param {number} a
 * @param {number} b
 */
function andNot(a, b) {
  let out = 0;
  for (const flag of Object.values(P)) if (has(a, flag) && !has(b, flag)) out += flag;
  return out;
}

/**
 * Until when the caller is timed out in a server (a Date in the future), or null.
 * @param {import('./store.js').State} s
 * @param {string} serverId
 */
export function timedOutUntil(s, serverId) {
  const until = s.members[serverId]?.[s.me?.id ?? '']?.communication_disabled_until;
  const date = until ? new Date(until) : null;
  return date && date.getTime() > Date.now() ? date : null;
}

/**
 * The caller's permissions in a server, or in one of its channels; a timed-out member keeps
 * VIEW_CHANNEL only, as the engine decides.
 * @param {import('./store.js').State} s
 * @param {string} serverId
 * @param {import('./store.js').Channel | null} [channel]
 */
export function permissionsOf(s, serverId, channel) {
  const server = s.servers[serverId];
  const me = s.me?.id;
  if (!server || !me) return 0;
  // A server an instance administrator disabled grants nothing, to its owner neither.
  if (server.disabled) return 0;
  if (server.owner_id === me) return ALL;
  const roles = s.roles[serverId] ?? [];
  const member = s.members[serverId]?.[me];
  const everyone = roles.find((r) => r.is_default);
  let base = everyone?.permissions ?? 0;
  for (const role of roles) if (member?.role_ids.includes(role.id)) base = or(base, role.permissions);
  if (has(base, P.ADMINISTRATOR)) return ALL;
  const timedOut = timedOutUntil(s, serverId) !== null;
  /** A timed-out member keeps VIEW_CHANNEL only. @param {number} flags */
  const timeout = (flags) => {
    if (!timedOut) return flags;
    return has(flags, P.VIEW_CHANNEL) ? P.VIEW_CHANNEL : 0;
  };
  if (!channel) return timeout(base);
  const overwrites = channel.permission_overwrites ?? [];
  const apply = (/** @type {number} */ flags, /** @type {{ allow: number, deny: number }} */ o) =>
    or(andNot(flags, o.deny), o.allow);
  let perms = base;
  const everyoneOverwrite = overwrites.find((o) => o.id === everyone?.id);
  if (everyoneOverwrite) perms = apply(perms, everyoneOverwrite);
  let allow = 0;
  let deny = 0;
  for (const o of overwrites) {
    if (o.type === 'role' && o.id !== everyone?.id && member?.role_ids.includes(o.id)) {
      allow = or(allow, o.allow);
      deny = or(deny, o.deny);
    }
  }
  perms = apply(perms, { allow, deny });
  const mine = overwrites.find((o) => o.type === 'member' && o.id === me);
  if (mine) perms = apply(perms, mine);
  return timeout(perms);
}

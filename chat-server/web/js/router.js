// @ts-check
// The page is in the URL's hash: `#/channels/{server or @me}/{channel}`, `#/settings/{tab}`,
// `#/servers/{id}/settings/{tab}`, `#/invite/{code}`, `#/admin/{tab}`, `#/` for the landing
// page.

import { useEffect, useState } from 'preact/hooks';

/**
 * @typedef {{ page: 'landing' } | { page: 'channels', server: string, channel: string | null,
 *   message: string | null } | { page: 'settings', tab: string } | { page: 'server-settings',
 *   server: string, tab: string } | { page: 'invite', code: string } | { page: 'admin', tab: string }} Route
 */

/** @returns {Route} */
export function parse(hash = location.hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'channels' && parts[1]) {
    return { page: 'channels', server: parts[1], channel: parts[2] ?? null, message: parts[3] ?? null };
  }
  if (parts[0] === 'settings') return { page: 'settings', tab: parts[1] ?? 'profile' };
  if (parts[0] === 'servers' && parts[1] && parts[2] === 'settings') {
    return { page: 'server-settings', server: parts[1], tab: parts[3] ?? 'overview' };
  }
  if (parts[0] === 'invite' && parts[1]) return { page: 'invite', code: parts[1] };
  if (parts[0] === 'admin') return { page: 'admin', tab: parts[1] ?? 'servers' };
  return { page: 'landing' };
}

/** The current route; re-renders on navigation. */
export function useRoute() {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const update = () => setRoute(parse());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/**
 * Goes to a page.
 * @param {string} path without the `#`
 */
export function go(path) {
  location.hash = `#${path}`;
}

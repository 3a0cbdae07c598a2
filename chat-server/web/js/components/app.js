// @ts-check
// The page for the route: the landing page until signed in, then the app shell, the
// settings pages or an invite.

import { useEffect } from 'preact/hooks';
import { html } from '../html.js';
import { go, useRoute } from '../router.js';
import { useStore } from '../store.js';
import { AdminPage } from './admin-page.js';
import { InvitePage } from './invite-page.js';
import { Landing } from './landing.js';
import { ServerSettings } from './server-settings.js';
import { Shell } from './shell.js';
import { UserSettings } from './user-settings.js';

export function App() {
  const me = useStore((s) => s.me);
  const route = useRoute();
  useEffect(() => {
    if (me && route.page === 'landing') go('/channels/@me');
  }, [me, route.page]);
  if (!me) return html`<${Landing} next=${route.page === 'invite' ? location.hash : null} />`;
  switch (route.page) {
    case 'channels':
      return html`<${Shell} route=${route} />`;
    case 'settings':
      return html`<${UserSettings} tab=${route.tab} />`;
    case 'server-settings':
      return html`<${ServerSettings} serverId=${route.server} tab=${route.tab} />`;
    case 'admin':
      return html`<${AdminPage} tab=${route.tab} />`;
    case 'invite':
      return html`<${InvitePage} code=${route.code} />`;
    default:
      return null;
  }
}

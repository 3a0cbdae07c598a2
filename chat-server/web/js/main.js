// @ts-check
// The web client's entry: theme, stored login, and the page for the route.

import { render } from 'preact';
import { restore } from './actions.js';
import { App } from './components/app.js';
import { html } from './html.js';
import { initTheme } from './theme.js';

initTheme();
const root = /** @type {HTMLElement} */ (document.getElementById('app'));
restore().finally(() => render(html`<${App} />`, root));

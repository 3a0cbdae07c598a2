// @ts-check
// Dark by default, or what the system prefers on the first visit; the choice is remembered.

import { setState } from './store.js';

const KEY = 'chat.theme';

/** Applies the remembered theme (or the system's preference). */
export function initTheme() {
  const stored = localStorage.getItem(KEY);
  const prefersLight = matchMedia('(prefers-color-scheme: light)').matches;
  applyTheme(stored ?? (prefersLight ? 'light' : 'dark'), false);
}

/**
 * @param {string} theme 'dark' or 'light'
 * @param {boolean} [remember]
 */
export function applyTheme(theme, remember = true) {
  document.documentElement.dataset.theme = theme;
  if (remember) localStorage.setItem(KEY, theme);
  setState({ theme });
}

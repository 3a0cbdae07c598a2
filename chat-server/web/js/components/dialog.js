// @ts-check
// A modal dialog (WAI-ARIA): focus moves in and is trapped there, Escape closes it, and
// focus goes back where it was.

import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';

/**
 * @param {{ title: string, onClose: () => void, children?: any }} props
 */
export function Dialog({ title, onClose, children }) {
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  useEffect(() => {
    const before = /** @type {HTMLElement | null} */ (document.activeElement);
    const focusable = () =>
      /** @type {HTMLElement[]} */ ([
        ...(box.current?.querySelectorAll('button, input, textarea, select, a[href], [tabindex="0"]') ?? []),
      ]);
    focusable()[0]?.focus();
    /** @param {KeyboardEvent} event */
    const keys = (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose();
      } else if (event.key === 'Tab') {
        const items = focusable();
        if (items.length === 0) return;
        const first = items[0];
        const last = items[items.length - 1];
        if (event.shiftKey && document.activeElement === first) {
          event.preventDefault();
          last.focus();
        } else if (!event.shiftKey && document.activeElement === last) {
          event.preventDefault();
          first.focus();
        }
      }
    };
    document.addEventListener('keydown', keys);
    return () => {
      document.removeEventListener('keydown', keys);
      before?.focus();
    };
  }, []);
  const titleId = `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return html`
    <div class="backdrop" onClick=${(/** @type {MouseEvent} */ e) => e.target === e.currentTarget && onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby=${titleId} ref=${box}>
        <h2 id=${titleId}>${title}</h2>
        ${children}
      </div>
    </div>`;
}

/**
 * The foot of a dialog's form: Cancel, and the button that submits it.
 * @param {{ onCancel: () => void, submit: string }} props
 */
export function FormButtons({ onCancel, submit }) {
  return html`<div class="buttons">
    <button type="button" class="button secondary" onClick=${onCancel}>Cancel</button>
    <button type="submit" class="button">${submit}</button>
  </div>`;
}

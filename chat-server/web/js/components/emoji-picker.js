// @ts-check
// A small emoji picker for reactions: a grid of buttons, Escape closes it.

import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';

const EMOJI = ['👍', '👎', '😂', '❤️', '🎉', '😮', '😢', '😡', '🔥', '👀', '🙏', '✅', '❌', '🚀', '🦀', '💯'];

/** @param {{ onPick: (emoji: string) => void, onClose: () => void }} props */
export function EmojiPicker({ onPick, onClose }) {
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  useEffect(() => {
    /** @type {HTMLElement | null | undefined} */ (box.current?.querySelector('button'))?.focus();
  }, []);
  return html`
    <div class="popover" role="dialog" aria-label="Pick a reaction" ref=${box} style="right: 16px; top: 20px"
      onKeyDown=${(/** @type {KeyboardEvent} */ e) => e.key === 'Escape' && onClose()}>
      <div class="picker">
        ${EMOJI.map((emoji) => html`<button aria-label=${`React with ${emoji}`} onClick=${() => onPick(emoji)}>${emoji}</button>`)}
      </div>
    </div>`;
}

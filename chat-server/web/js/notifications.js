// @ts-check
// Notifications on this device: a NOTIFICATION_CREATE from the gateway rings (when the sound
// is on) and shows a browser notification (when allowed) unless the user is looking at that
// channel; and the user's notification preferences per server and channel, kept on the
// server.

import * as api from './api.js';
import { go, parse } from './router.js';
import { displayName, getState, historyOf, setState } from './store.js';

/**
 * @typedef {{ level: 'all' | 'mentions' | 'nothing', muted_until: string | null }} Setting
 * @typedef {{ message_id: string, channel_id: string, server_id: string | null,
 *   author_id: string, kind: string }} Notice
 */

const SOUND_KEY = 'chat.notification-sound';

/** Whether notifications ring on this device (on unless turned off). */
export function soundOn() {
  return localStorage.getItem(SOUND_KEY) !== 'off';
}

/** @param {boolean} on */
export function setSound(on) {
  localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
}

/** Whether the browser shows notifications from this page. */
export function desktopPermission() {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks the browser for leave to show notifications. */
export async function askDesktopPermission() {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

/** A short, soft two-tone chime, made on the spot (no sound file to fetch). */
function chime() {
  try {
    const audio = new AudioContext();
    const gain = audio.createGain();
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    gain.connect(audio.destination);
    for (const [frequency, at] of [[880, 0], [1320, 0.12]]) {
      const tone = audio.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start(audio.currentTime + at);
      tone.stop(audio.currentTime + at + 0.25);
    }
  } catch {
    // No audio (or not allowed before the user interacted): stay silent.
  }
}

const WHY = /** @type {Record<string, string>} */ ({
  mention: 'mentioned you',
  role: 'mentioned your role',
  everyone: 'mentioned @everyone',
  here: 'mentioned @here',
  reply: 'replied to you',
  dm: 'sent you a message',
});

/**
 * Tells the user about a notification, unless they are looking at its channel.
 * @param {Notice} notice
 */
export function announce(notice) {
  const route = parse();
  const looking = !document.hidden && route.page === 'channels' && route.channel === notice.channel_id;
  if (looking) return;
  if (soundOn()) chime();
  if (desktopPermission() !== 'granted') return;
  const s = getState();
  const channel = s.channels[notice.channel_id];
  const author = displayName(s, notice.author_id, notice.server_id);
  const where = channel?.server_id ? ` in #${channel.name}` : '';
  const message = historyOf(s, notice.channel_id).list.find((m) => m.id === notice.message_id);
  const shown = new Notification(`${author} ${WHY[notice.kind] ?? 'notified you'}${where}`, {
    body: message?.content.slice(0, 200) ?? '',
    tag: notice.message_id,
  });
  shown.onclick = () => {
    window.focus();
    go(`/channels/${notice.server_id ?? '@me'}/${notice.channel_id}/${notice.message_id}`);
  };
}

/** Loads the user's preferences into the store. */
export async function loadNotificationSettings() {
  const settings = await api.get('/users/@me/notification-settings');
  setState({ notificationSettings: settings });
}

/**
 * Sets the preference of a server or a channel.
 * @param {'servers' | 'channels'} scope
 * @param {string} id
 * @param {Setting} setting
 */
export async function saveNotificationSetting(scope, id, setting) {
  const saved = await api.put(`/users/@me/notification-settings/${scope}/${id}`, setting);
  setState((s) => ({
    notificationSettings: {
      ...s.notificationSettings,
      [scope]: { ...s.notificationSettings[scope], [id]: saved },
    },
  }));
}

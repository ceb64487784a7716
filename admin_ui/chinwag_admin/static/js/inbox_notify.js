// The inbox's notifications and each agent's preferences for them: what calls them (every visitor
// message, new conversations and mentions, mentions only, nothing), a sound, desktop notifications
// while the tab is hidden. The permission is asked only on a click (the button), never on load.
// Preferences are the agent's own on the server (/api/v1/profile/preferences), so every browser
// has them; localStorage (`chinwag:notify:<user id>`) is only a cache: the first paint uses it,
// and a change the server could not take is kept there and saved when the page is next focused.
// A browser's preferences from before they were kept on the server move there once.
import { announce, api, h } from './lib.js';

export const DEFAULTS = Object.freeze({ events: 'all', sound: false, desktop: true });
const URL = '/api/v1/profile/preferences';
const EVENTS = [
  ['all', 'Every visitor message'],
  ['new', 'New conversations and mentions of me'],
  ['mentions', 'Mentions of me only'],
  ['off', 'Nothing'],
];
// which kinds of news each choice lets through
const LETS = { all: ['message', 'conversation', 'mention'], new: ['conversation', 'mention'], mentions: ['mention'], off: [] };
const SAVED = 'Saved to your account: every browser you sign in on uses them.';
const UNSAVED = 'Not saved to your account yet (the server cannot be reached): kept in this browser until it can be.';

const valid = (p) => ({
  events: LETS[p?.events] ? p.events : DEFAULTS.events,
  sound: typeof p?.sound === 'boolean' ? p.sound : DEFAULTS.sound,
  desktop: typeof p?.desktop === 'boolean' ? p.desktop : DEFAULTS.desktop,
});

/** @param {{userId: number, focusAfter: () => void}} o */
export function notifications({ userId, focusAfter }) {
  const key = `chinwag:notify:${userId}`;
  const pendingKey = `${key}:unsaved`; // a change the server has not taken yet
  let cached = null;
  try { cached = JSON.parse(localStorage.getItem(key) || 'null'); } catch (err) { /* defaults */ }
  let prefs = valid(cached);
  let changes = 0; // bumped by every change here: a read that started before one is stale
  const cache = () => { try { localStorage.setItem(key, JSON.stringify(prefs)); } catch (err) { /* private mode: this tab only */ } };
  const pending = (on) => { try { if (on) localStorage.setItem(pendingKey, '1'); else localStorage.removeItem(pendingKey); } catch (err) { /* ignore */ } };
  const isPending = () => { try { return localStorage.getItem(pendingKey) === '1'; } catch (err) { return false; } };
  const where = h('p', { class: 'muted', id: 'notify-where' }, SAVED);

  async function put() {
    const mine = changes;
    try {
      await api(URL, { method: 'PUT', body: { notifications: prefs } });
      if (mine !== changes) return; // a newer change is on its way
      pending(false);
      where.textContent = SAVED;
    } catch (err) {
      pending(true);
      where.textContent = UNSAVED;
      if (err.code !== 'network_error' && !(err.status >= 500)) announce(`Your notification preferences were not saved: ${err.message}`);
    }
  }
  const save = () => { changes += 1; cache(); return put(); };

  /** Read the server's preferences (on load and when the page regains focus). */
  async function load() {
    if (isPending()) { await put(); return; } // this browser's change first
    const mine = changes;
    let out;
    try { out = await api(URL); } catch (err) { return; } // keep the cached ones
    if (mine !== changes) return; // changed here meanwhile: that change wins
    if (out.updated_at === null) { // never saved: this browser's from before move up, once
      if (cached) await put();
      return;
    }
    prefs = valid(out.notifications);
    cache();
    draw();
  }
  const supported = 'Notification' in window;
  const ask = h('button', { type: 'button', class: 'secondary', id: 'notify' }, 'Enable desktop notifications');
  ask.addEventListener('click', async () => {
    const answer = await Notification.requestPermission();
    announce(answer === 'granted' ? 'Desktop notifications are on.' : 'Desktop notifications stay off.');
    drawAsk();
    focusAfter();
  });
  const drawAsk = () => { ask.hidden = !supported || Notification.permission !== 'default' || !prefs.desktop || prefs.events === 'off'; };

  const radios = EVENTS.map(([value, text]) => h('label', { class: 'check' },
    h('input', { type: 'radio', name: 'notify-events', value, checked: prefs.events === value }), ' ', text));
  const sound = h('input', { type: 'checkbox', id: 'notify-sound', checked: prefs.sound });
  const desktop = h('input', { type: 'checkbox', id: 'notify-desktop', checked: prefs.desktop, disabled: !supported });
  const control = h('details', { class: 'notify-prefs' },
    h('summary', {}, 'Notification preferences'),
    h('fieldset', { class: 'checks' }, h('legend', {}, 'Notify me of'), radios),
    h('label', { class: 'check' }, sound, ' Play a sound'),
    h('label', { class: 'check' }, desktop, ' Desktop notifications while the inbox is hidden'),
    where);
  for (const label of radios) {
    const radio = label.firstChild;
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      prefs.events = radio.value;
      save();
      drawAsk();
      announce(`Notifications: ${label.textContent.trim().toLowerCase()}.`);
    });
  }
  sound.addEventListener('change', () => {
    prefs.sound = sound.checked;
    save();
    if (prefs.sound) beep(); // a sample, and this click lets the page play sound later
    announce(prefs.sound ? 'A sound plays for notifications.' : 'No sound for notifications.');
  });
  desktop.addEventListener('change', () => {
    prefs.desktop = desktop.checked;
    save();
    drawAsk();
    announce(prefs.desktop ? 'Desktop notifications while the inbox is hidden.' : 'No desktop notifications.');
  });
  function draw() {
    for (const label of radios) label.firstChild.checked = label.firstChild.value === prefs.events;
    sound.checked = prefs.sound;
    desktop.checked = prefs.desktop;
    drawAsk();
  }
  drawAsk();
  load();
  window.addEventListener('focus', load);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') load(); });

  let audio = null;
  function beep() {
    try {
      audio = audio || new AudioContext();
      if (audio.state === 'suspended') audio.resume();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (err) { /* no audio device: the announcement and the title still say it */ }
  }

  /**
   * News for the agent, if their preferences let this kind through: a sound, and a desktop
   * notification while the tab is hidden (clicking it runs `onclick`).
   * @param {'message'|'conversation'|'mention'} kind
   */
  function notify(kind, { title, body, tag, onclick }) {
    if (!LETS[prefs.events].includes(kind)) return;
    if (prefs.sound) beep();
    if (!prefs.desktop || !supported || Notification.permission !== 'granted' || document.visibilityState === 'visible') return;
    const n = new Notification(title, { body, tag });
    n.onclick = () => { window.focus(); onclick(); n.close(); };
  }

  return { ask, control, notify };
}

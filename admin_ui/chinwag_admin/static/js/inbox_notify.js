// The inbox's notifications and each agent's preferences for them: what calls them (every visitor
// message, new conversations and mentions, mentions only, nothing), a sound, desktop notifications
// while the tab is hidden. The permission is asked only on a click (the button), never on load.
// Preferences are kept per agent in this browser (localStorage `chinwag:notify:<user id>`).
import { announce, h } from './lib.js';

export const DEFAULTS = Object.freeze({ events: 'all', sound: false, desktop: true });
const EVENTS = [
  ['all', 'Every visitor message'],
  ['new', 'New conversations and mentions of me'],
  ['mentions', 'Mentions of me only'],
  ['off', 'Nothing'],
];
// which kinds of news each choice lets through
const LETS = { all: ['message', 'conversation', 'mention'], new: ['conversation', 'mention'], mentions: ['mention'], off: [] };

/** @param {{userId: number, focusAfter: () => void}} o */
export function notifications({ userId, focusAfter }) {
  const key = `chinwag:notify:${userId}`;
  let prefs = { ...DEFAULTS };
  try { prefs = { ...DEFAULTS, ...JSON.parse(localStorage.getItem(key) || '{}') }; } catch (err) { /* defaults */ }
  if (!LETS[prefs.events]) prefs.events = DEFAULTS.events;
  const save = () => { try { localStorage.setItem(key, JSON.stringify(prefs)); } catch (err) { /* private mode: this tab only */ } };

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
    h('p', { class: 'muted' }, 'Kept for you in this browser.'));
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
  drawAsk();

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

// Small pieces of the inbox: relative times, assignee avatars and the keyboard shortcuts dialog.
import { h } from './lib.js';

/** "4 min", "2 h", "3 d": how long ago an ISO time was (for waiting times). */
export function ago(iso) {
  const t = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + 'Z');
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 60) return 'under a minute';
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/** Initials in a circle, named for assistive technology by `label`. */
export function avatar(name, label) {
  const initials = String(name).split(/[\s@.]+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
  return h('span', { class: 'avatar', role: 'img', 'aria-label': label, title: label }, initials || '?');
}

export const SHORTCUTS = [
  ['j', 'Next conversation'],
  ['k', 'Previous conversation'],
  ['r', 'Reply (focus the composer)'],
  ['e', 'Close the conversation'],
  ['a', 'Assign the conversation to me'],
  ['/', 'Search conversations'],
  ['?', 'Show this help'],
  ['/', 'In the composer: insert a canned response'],
  ['Enter', 'In the composer: send'],
  ['Shift+Enter', 'In the composer: new line'],
  ['Escape', 'Close this help, clear the search'],
];

/** A modal <dialog> listing the shortcuts; Escape or its button closes it and focus returns. */
export function shortcutsDialog() {
  const close = h('button', { type: 'button' }, 'Close');
  const dialog = h('dialog', { class: 'help', 'aria-labelledby': 'help-title' },
    h('h2', { id: 'help-title' }, 'Keyboard shortcuts'),
    h('table', {}, h('caption', { class: 'sr-only' }, 'Shortcuts of the inbox'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Action'))),
      h('tbody', {}, SHORTCUTS.map(([key, what]) => h('tr', {}, h('td', {}, h('kbd', {}, key)), h('td', {}, what))))),
    h('p', { class: 'muted' }, 'Shortcuts work when the focus is not in a text field.'),
    close);
  close.addEventListener('click', () => dialog.close());
  return dialog;
}

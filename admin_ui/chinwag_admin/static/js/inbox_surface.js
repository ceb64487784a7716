// The inbox's plugin surface: annotation chips, internal notes in the thread, and plugin panels
// in the visitor panel (docs/admin.md). Everything here is drawn from data (the same component
// vocabulary widget features use); no plugin code runs in the admin.
import { h, when } from './lib.js';

// a tone is said in words and by an icon, never by colour alone (WCAG 1.4.1)
const TONE_WORD = { positive: 'Positive', negative: 'Negative', warning: 'Warning', neutral: '' };
const TONE_ICON = { positive: '✓', negative: '✕', warning: '!', neutral: '•' };

export function toneWord(tone) { return TONE_WORD[tone] || ''; }

/** One annotation as a chip; ``detail`` adds the plugin's longer explanation. */
export function annotationChip(a, { detail = false } = {}) {
  const word = toneWord(a.tone);
  return h('span', {
    class: `annotation tone-${TONE_WORD[a.tone] !== undefined ? a.tone : 'neutral'}`,
    'data-annotation': `${a.plugin}:${a.key}`,
    title: `${a.label}${a.detail ? ` — ${a.detail}` : ''} (from ${a.plugin})`,
  },
  h('span', { class: 'tone-icon', 'aria-hidden': 'true' }, TONE_ICON[a.tone] || TONE_ICON.neutral),
  word ? h('span', { class: 'tone-word' }, `${word}: `) : null,
  a.label,
  detail && a.detail ? h('span', { class: 'detail' }, ` — ${a.detail}`) : null,
  h('span', { class: 'sr-only' }, ` (from ${a.plugin})`));
}

/** A labelled list of chips, or null when there are none. */
export function annotationList(annotations, { label, detail = false } = {}) {
  if (!annotations || !annotations.length) return null;
  return h('ul', { class: 'annotations', 'aria-label': label },
    annotations.map((a) => h('li', {}, annotationChip(a, { detail }))));
}

/** How a live annotation change is announced (politely, for the open conversation only). */
export function annotationAnnouncement(update) {
  const a = update.annotation;
  if (!a) return `Annotation removed by ${update.plugin}.`;
  const word = toneWord(a.tone);
  return `${word ? word + ': ' : ''}${a.label}, from ${a.plugin}${update.message_id ? ', on a message' : ''}.`;
}

/** An internal note as a line of the thread, set apart from messages. */
export function noteItem(note) {
  const li = h('li', { class: 'note', 'data-note': note.id, 'data-created': note.created_at },
    h('div', { class: 'meta' },
      h('span', { class: 'note-tag' }, 'Internal note'), ' ',
      h('strong', {}, note.author_name || (note.author_kind === 'plugin' ? note.author_plugin : 'Agent')), ' ',
      h('small', { class: 'muted' }, when(note.created_at), ' · agents only')),
    h('div', { class: 'body' }, h('p', {}, note.text)));
  li._note = note;
  return li;
}

/** Put a note into the log after the last message or note not newer than it. */
export function placeNote(log, li) {
  const at = Date.parse(li._note.created_at);
  for (const el of log.children) {
    const t = Date.parse(el._message?.created_at || el._note?.created_at || '');
    if (t > at) { log.insertBefore(li, el); return; }
  }
  log.append(li);
}

// -- panels ------------------------------------------------------------------------------------
// ``act(action, values)`` sends the action's socket event and returns the acknowledgement.
let uid = 0;

function component(c, ctx) {
  switch (c.type) {
    case 'text':
      return h('p', { class: c.style === 'muted' ? 'muted' : c.style === 'heading' ? 'panel-heading' : '' }, c.text);
    case 'button': {
      if (c.url) return h('a', { href: c.url, target: '_blank', rel: 'noopener noreferrer', class: 'button secondary', 'aria-label': c.label || null }, c.text);
      return h('button', {
        type: 'button',
        class: c.style === 'primary' ? '' : 'secondary',
        'aria-label': c.label || null,
        'aria-pressed': c.pressed === undefined || c.pressed === null ? null : String(c.pressed),
        onclick: () => c.action && ctx.run(c.action),
      }, c.text);
    }
    case 'list':
      return h('ul', { class: 'panel-list', 'aria-label': c.label || null }, (c.items || []).map((item) => h('li', {},
        item.action ? h('button', { type: 'button', class: 'link', onclick: () => ctx.run(item.action) }, item.title)
          : item.url ? h('a', { href: item.url, target: '_blank', rel: 'noopener noreferrer' }, item.title)
            : h('span', {}, item.title),
        item.subtitle ? [h('br'), h('small', { class: 'muted' }, item.subtitle)] : null)));
    case 'input':
    case 'textarea': {
      const id = `panel-field-${++uid}`;
      const input = c.type === 'input'
        ? h('input', { type: 'text', id, name: c.id, value: c.value || '', placeholder: c.placeholder || '', maxlength: 4000 })
        : h('textarea', { id, name: c.id, rows: 3, placeholder: c.placeholder || '', maxlength: 4000 });
      return h('div', { class: 'field' }, h('label', { for: id }, c.label), input);
    }
    case 'single_select': {
      const name = `panel-choice-${++uid}`;
      return h('fieldset', { class: 'panel-choice' }, h('legend', {}, c.label),
        (c.options || []).map((o) => {
          const id = `${name}-${o.value}`;
          const radio = h('input', { type: 'radio', id, name, value: o.value, 'data-field': c.id });
          if (c.action) radio.addEventListener('change', () => ctx.run(c.action));
          return h('div', {}, radio, h('label', { for: id }, o.text));
        }));
    }
    case 'submit':
      return h('button', { type: 'button', onclick: () => ctx.run(c.action) }, c.text);
    case 'divider':
      return h('hr');
    case 'image':
      return h('img', { src: c.url, alt: c.alt, width: c.width || null, height: c.height || null, class: 'panel-image' });
    default:
      return null; // outside the vocabulary: drawn as nothing
  }
}

function values(root) {
  const out = {};
  for (const el of root.querySelectorAll('input[name], textarea[name]')) {
    if (el.type === 'radio') { if (el.checked) out[el.dataset.field] = el.value; } else out[el.name] = el.value;
  }
  return out;
}

/** A plugin's panel as a section of the visitor panel; its actions go through ``act``. */
export function pluginPanel(panel, act) {
  const headingId = `panel-${++uid}`;
  const heading = h('h3', { id: headingId, tabindex: '-1' }, panel.title);
  const content = h('div', { class: 'panel-content' });
  const status = h('p', { class: 'muted', role: 'status' });
  const section = h('section', { class: 'plugin-panel', 'aria-labelledby': headingId, 'data-panel': panel.id },
    heading, content, status);
  const ctx = {
    async run(action) {
      status.textContent = 'Working…';
      const ack = await act(action, values(content));
      if (!ack || !ack.ok) { status.textContent = (ack && ack.error && ack.error.message) || 'The plugin did not answer.'; return; }
      status.textContent = '';
      if (ack.components) draw(ack.components);
      else if (ack.done) draw([{ type: 'text', text: ack.done }]);
      if (!section.contains(document.activeElement)) heading.focus(); // the pressed control is gone: focus stays in the panel
    },
  };
  function draw(components) { content.replaceChildren(...components.map((c) => component(c, ctx)).filter(Boolean)); }
  draw(panel.components || []);
  return section;
}

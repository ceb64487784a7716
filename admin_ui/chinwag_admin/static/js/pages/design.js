// The widget designer: a form generated from the WidgetSettings schema of the OpenAPI document
// (one source of truth), a draft drawn from the unsaved values with the accessibility checks of
// the enabled theme-check plugins as the admin types (design_checks.js), and the real widget
// with the saved settings in a preview frame.
import { api, field, h, markInvalid, requireSession, setTitle, showError, view } from '../lib.js';
import { designChecks } from './design_checks.js';

const COLOR = '^#[0-9a-fA-F]{6}$';
// list settings whose lines are not URL patterns
const HINTS = {
  greetings: 'One greeting per language and line, e.g. "de: Hallo! Wie können wir helfen?" (pt-BR: for a region).',
  font_urls: 'One https URL per line: the font stylesheet and the origin of its files.',
};
const label = (name) => name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** A list setting whose items are a fixed set (e.g. consent_purposes, the catalogue of
 *  chinwag.consent_catalogue): a group of checkboxes, one per value in the schema's order, each
 *  described by what the value means (`x-enum-descriptions` of the schema), errors tied to the
 *  group. */
function checkGroup(name, spec, value) {
  const notes = spec.items['x-enum-descriptions'] || {};
  const chosen = new Set(value || []);
  const errId = `f-${name}-err`;
  return h('fieldset', { class: 'field checks', id: `f-${name}` },
    h('legend', {}, label(name)),
    spec.items.enum.map((v) => {
      const id = `f-${name}-${v}`;
      const hint = notes[v] ? h('small', { class: 'muted hint', id: `${id}-hint` }, notes[v]) : null;
      return h('div', { class: 'check' },
        h('input', { type: 'checkbox', name, value: v, id, checked: chosen.has(v), 'aria-describedby': hint ? `${id}-hint ${errId}` : errId }),
        h('label', { for: id }, label(v)), hint);
    }),
    h('span', { class: 'field-error', id: errId, 'data-error-for': name }));
}

function control(name, spec, value) {
  const base = { name };
  if (spec.type === 'string' && spec.pattern === COLOR) return h('input', { ...base, type: 'color', value: value || '#000000' });
  if (spec.enum) return h('select', base, spec.enum.map((v) => h('option', { value: v, selected: v === value }, v)));
  if (spec.type === 'boolean') return h('input', { ...base, type: 'checkbox', checked: !!value });
  if (spec.type === 'integer') return h('input', { ...base, type: 'number', step: '1', min: spec.minimum, max: spec.maximum, value: value ?? '' });
  if (spec.type === 'array' && spec.items?.enum) return checkGroup(name, spec, value);
  if (spec.type === 'array') return h('textarea', { ...base, rows: 2, value: (value || []).join('\n') });
  if (spec.maxLength > 200) return h('textarea', { ...base, rows: 3, maxlength: spec.maxLength, value: value || '' });
  return h('input', { ...base, type: spec.format === 'url' ? 'url' : 'text', maxlength: spec.maxLength, value: value ?? '' });
}

function read(spec, el) {
  if (spec.type === 'boolean') return el.checked;
  if (el.tagName === 'FIELDSET') return [...el.querySelectorAll('input:checked')].map((box) => box.value);
  if (spec.type === 'integer') return el.value === '' ? undefined : parseInt(el.value, 10);
  if (spec.type === 'array') return el.value.split('\n').map((s) => s.trim()).filter(Boolean);
  if (spec.nullable && el.value === '') return null;
  return el.value;
}

/** The launcher drawn from the form's unsaved values (position, offsets, icon, colours): the
 *  loader's part, which the chat preview frame does not show. Its icons are the loader's own SVG
 *  paths (/widget/icons.json), never glyphs of a font. Styles are set through the CSSOM, which
 *  the page's CSP (no inline styles) allows. */
function draftLauncher(icons) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const path = document.createElementNS(ns, 'path');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.append(path);
  const launcher = h('span', { class: 'draft-launcher', 'aria-hidden': 'true' }, svg);
  const box = h('div', { class: 'draft', id: 'draft', role: 'img', 'aria-label': 'Launcher with unsaved settings' }, launcher);
  function update(s, textOnBrand) {
    const style = box.style;
    style.setProperty('--b', s.brand_color || '#2f5bd3');
    style.setProperty('--t', textOnBrand || s.text_color || '#ffffff');
    style.setProperty('--x', `${Math.min(s.offset_x ?? 20, 60)}px`);
    style.setProperty('--y', `${Math.min(s.offset_y ?? 20, 60)}px`);
    box.dataset.position = s.position || 'right';
    path.setAttribute('d', icons[s.launcher_icon] || icons.chat || '');
  }
  return { box, update };
}

/** The real chat in preview mode (docs/widget.md, "Live preview"): unsaved settings are pushed
 *  over postMessage to our own origin only; it answers which keys it did not apply. */
function chatPreview(siteKey, rejectedNote) {
  const frame = h('iframe', { title: 'The chat with your unsaved settings', class: 'preview chat-preview', id: 'chat-preview', src: `/chat/${encodeURIComponent(siteKey)}?preview=1` });
  let ready = false;
  let pending = null;
  function push(settings) {
    pending = settings;
    if (ready && frame.contentWindow) frame.contentWindow.postMessage({ type: 'chinwag:v1:preview', settings }, location.origin);
  }
  window.addEventListener('message', (e) => {
    if (e.origin !== location.origin || e.source !== frame.contentWindow || !e.data) return;
    if (e.data.type === 'chinwag:v1:ready') { ready = true; if (pending) push(pending); }
    if (e.data.type === 'chinwag:v1:previewed') {
      const rejected = Array.isArray(e.data.rejected) ? e.data.rejected.filter((k) => typeof k === 'string') : [];
      rejectedNote.textContent = rejected.length ? `Not shown in the preview (invalid): ${rejected.join(', ')}.` : '';
    }
  });
  return { frame, push };
}

export default async function design() {
  await requireSession();
  const id = document.body.dataset.siteId;
  const [site, spec] = await Promise.all([api(`/api/v1/sites/${id}`), fetch('/api/v1/openapi.json').then((r) => r.json())]);
  setTitle(`Widget designer: ${site.name}`);
  const props = spec.components.schemas.WidgetSettings.properties;
  const effective = await fetch(`/api/v1/widget/settings/${encodeURIComponent(site.site_key)}`)
    .then((r) => (r.ok ? r.json() : { settings: {} })).then((b) => b.settings).catch(() => ({}));
  const values = { ...effective, ...site.widget_settings };

  const controls = Object.entries(props).map(([name, s]) => [name, s, control(name, s, values[name])]);
  const checks = designChecks((setting, value) => {
    const found = controls.find(([name]) => name === setting);
    if (!found) return;
    found[2].value = value;
    found[2].focus();
    scheduleCheck();
  });
  const error = h('p', { role: 'alert', class: 'error' });
  const saved = h('p', { role: 'status', class: 'muted' });
  const icons = await fetch('/widget/icons.json').then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  const draft = draftLauncher(icons);
  const rejectedNote = h('p', { class: 'warn', role: 'status', id: 'preview-rejected' });
  const chat = chatPreview(site.site_key, rejectedNote);

  function current() {
    const settings = {};
    for (const [name, s, el] of controls) {
      const v = read(s, el);
      if (v !== undefined) settings[name] = v;
    }
    return settings;
  }

  // validity and the accessibility findings come from the server, as the admin types
  let checking = 0;
  let checkTimer = null;
  async function check() {
    const ticket = ++checking;
    const settings = current();
    draft.update({ ...values, ...settings });
    try {
      const res = await api('/api/v1/widget-settings/check', { method: 'POST', body: settings });
      if (ticket !== checking) return;
      markInvalid(form, {});
      draft.update({ ...values, ...settings }, res.text_on_brand);
      chat.push(settings);
      checks.show(res.findings);
    } catch (err) {
      if (ticket !== checking) return;
      if (err.details) markInvalid(form, err.details);
      else showError(error, err);
    }
  }
  const scheduleCheck = () => { clearTimeout(checkTimer); checkTimer = setTimeout(check, 120); };

  const form = h('form', { class: 'designer', novalidate: true, 'aria-label': 'Widget settings' },
    error,
    controls.map(([name, s, el]) => (el.tagName === 'FIELDSET' ? el
      : field(label(name), el, s.type === 'array' ? (HINTS[name] || 'One URL pattern per line.') : ''))),
    checks.box,
    h('button', { type: 'submit' }, 'Save and apply to live widgets'), saved);
  form.addEventListener('input', scheduleCheck);
  form.addEventListener('change', scheduleCheck);
  const frame = h('iframe', { title: 'The real widget with the saved settings', class: 'preview', id: 'live-preview', src: `/admin/preview?site=${encodeURIComponent(site.site_key)}` });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    saved.textContent = '';
    const settings = current();
    try {
      await api(`/api/v1/sites/${id}`, { method: 'PATCH', body: { widget_settings: settings } });
      Object.assign(values, settings);
      const low = checks.box.querySelector('#contrast').dataset.low === 'true';
      saved.textContent = `Saved${low ? ', with accessibility problems (see the checks above)' : ''}. Live widgets use the new settings from their next session.`;
      // refresh the cached public config (max-age 60 s), then reload the real widget with it
      await fetch(`/widget/config/${encodeURIComponent(site.site_key)}.js`, { cache: 'reload' }).catch(() => null);
      frame.src = frame.src;
    } catch (err) {
      const details = err.details?.widget_settings;
      showError(error, details ? Object.assign(err, { details }) : err, form);
    }
  });
  view().replaceChildren(h('div', { class: 'design' }, form, h('div', { class: 'preview-box' },
    h('h2', {}, 'Draft'), h('p', { class: 'muted' }, 'Your unsaved changes, as you type: the chat and its launcher.'),
    chat.frame, rejectedNote, draft.box,
    h('h2', {}, 'Live widget'), h('p', { class: 'muted' }, 'The real widget with the saved settings.'), frame)));
  await check();
}

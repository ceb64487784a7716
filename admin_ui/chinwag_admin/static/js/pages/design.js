// The widget designer: a form generated from the WidgetSettings schema of the OpenAPI document
// (one source of truth), contrast warnings, and the real widget in a preview frame.
import { api, field, h, requireSession, setTitle, showError, view } from '../lib.js';

const COLOR = '^#[0-9a-fA-F]{6}$';
const label = (name) => name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.x contrast ratio of two #rrggbb colours. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function control(name, spec, value) {
  const base = { name };
  if (spec.type === 'string' && spec.pattern === COLOR) return h('input', { ...base, type: 'color', value: value || '#000000' });
  if (spec.enum) return h('select', base, spec.enum.map((v) => h('option', { value: v, selected: v === value }, v)));
  if (spec.type === 'boolean') return h('input', { ...base, type: 'checkbox', checked: !!value });
  if (spec.type === 'integer') return h('input', { ...base, type: 'number', step: '1', min: spec.minimum, max: spec.maximum, value: value ?? '' });
  if (spec.type === 'array') return h('textarea', { ...base, rows: 2, value: (value || []).join('\n') });
  if (spec.maxLength > 200) return h('textarea', { ...base, rows: 3, maxlength: spec.maxLength, value: value || '' });
  return h('input', { ...base, type: spec.format === 'url' ? 'url' : 'text', maxlength: spec.maxLength, value: value ?? '' });
}

function read(spec, el) {
  if (spec.type === 'boolean') return el.checked;
  if (spec.type === 'integer') return el.value === '' ? undefined : parseInt(el.value, 10);
  if (spec.type === 'array') return el.value.split('\n').map((s) => s.trim()).filter(Boolean);
  if (spec.nullable && el.value === '') return null;
  return el.value;
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
  const warning = h('p', { role: 'status', class: 'warn', id: 'contrast' });
  const error = h('p', { role: 'alert', class: 'error' });
  const saved = h('p', { role: 'status', class: 'muted' });
  const byName = Object.fromEntries(controls.map(([n, , el]) => [n, el]));

  function checkContrast() {
    const fg = byName.text_color?.value;
    const bg = byName.brand_color?.value;
    if (!fg || !bg) return;
    const ratio = contrast(fg, bg);
    warning.textContent = ratio < 4.5
      ? `Low contrast: text on the brand colour is ${ratio.toFixed(2)}:1; WCAG AA needs at least 4.5:1.`
      : `Contrast ${ratio.toFixed(2)}:1 meets WCAG AA.`;
    warning.dataset.low = ratio < 4.5 ? 'true' : 'false';
  }

  const form = h('form', { class: 'designer', novalidate: true, 'aria-label': 'Widget settings' },
    error,
    controls.map(([name, s, el]) => field(label(name), el, s.type === 'array' ? 'One URL pattern per line.' : '')),
    warning,
    h('button', { type: 'submit' }, 'Save and apply to live widgets'), saved);
  form.addEventListener('input', checkContrast);
  const frame = h('iframe', { title: 'Live preview of the widget', class: 'preview', src: `/admin/preview?site=${encodeURIComponent(site.site_key)}` });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    saved.textContent = '';
    const settings = {};
    for (const [name, s, el] of controls) {
      const v = read(s, el);
      if (v !== undefined) settings[name] = v;
    }
    try {
      await api(`/api/v1/sites/${id}`, { method: 'PATCH', body: { widget_settings: settings } });
      saved.textContent = 'Saved. Live widgets use the new settings from their next session.';
      // refresh the cached public config (max-age 60 s), then reload the real widget with it
      await fetch(`/widget/config/${encodeURIComponent(site.site_key)}.js`, { cache: 'reload' }).catch(() => null);
      frame.src = frame.src;
    } catch (err) {
      const details = err.details?.widget_settings;
      showError(error, details ? Object.assign(err, { details }) : err, form);
    }
  });
  checkContrast();
  view().replaceChildren(h('div', { class: 'design' }, form, h('div', { class: 'preview-box' }, h('h2', {}, 'Preview'), frame)));
}

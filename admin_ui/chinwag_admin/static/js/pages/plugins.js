import { api, drawNav, field, h, markInvalid, requireSession, showError, view } from '../lib.js';

const MASK = '********';

const EMPTY = { object: {}, map: {}, array: [] };
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function jsonEditor(f, value) {
  const text = JSON.stringify(value ?? EMPTY[f.shape] ?? null, null, 2);
  return h('textarea', {
    name: f.name, class: 'json', rows: Math.min(16, Math.max(4, text.split('\n').length + 1)),
    spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', 'data-shape': f.shape, value: text,
  });
}

function jsonHint(f) {
  if (f.type !== 'json') return '';
  const what = { object: 'A JSON object', map: 'A JSON object of entries', array: 'A JSON list of entries' }[f.shape] || 'JSON';
  const items = (f.item_fields || []).map((i) => `${i.name} (${i.type}${i.choices ? `: ${i.choices.join(', ')}` : ''})`);
  return items.length ? `${what}; each entry may have ${items.join(', ')}.` : `${what}.`;
}

const TYPE_CHECKS = {
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  list: (v) => Array.isArray(v),
  json: (v) => typeof v === 'object' && v !== null,
};

/** Problems of a JSON setting as the admin types it (the server's schema has the last word). */
export function checkJson(f, text) {
  let data;
  try { data = JSON.parse(text); } catch (err) { return [`Not valid JSON: ${err.message}`]; }
  if (data === null && !f.required) return [];
  const shapeOk = f.shape === 'array' ? Array.isArray(data) : isObject(data);
  if (!shapeOk) return [f.shape === 'array' ? 'Must be a JSON list [ … ].' : 'Must be a JSON object { … }.'];
  const known = Object.fromEntries((f.item_fields || []).map((i) => [i.name, i]));
  if (!f.item_fields) return [];
  const entries = f.shape === 'object' ? [['', data]] : Object.entries(data);
  const problems = [];
  for (const [key, item] of entries) {
    const at = key === '' ? '' : `${key} > `;
    if (!isObject(item)) { problems.push(`${at}must be an object { … }.`); continue; }
    for (const [name, v] of Object.entries(item)) {
      const spec = known[name];
      if (!spec) problems.push(`${at}${name}: unknown field.`);
      else if (TYPE_CHECKS[spec.type] && v !== null && !TYPE_CHECKS[spec.type](v)) problems.push(`${at}${name}: must be ${spec.type === 'integer' ? 'an' : 'a'} ${spec.type}.`);
      else if (spec.choices && !spec.choices.includes(v)) problems.push(`${at}${name}: must be one of ${spec.choices.join(', ')}.`);
    }
    for (const spec of f.item_fields) if (spec.required && !(spec.name in item)) problems.push(`${at}${spec.name}: required.`);
  }
  return problems;
}

export default async function plugins() {
  await requireSession();
  const status = h('p', { role: 'status', class: 'muted' });
  // after a settings save: the content checks' advice on the proactive messages (and chips) the
  // plugin now shows visitors, announced politely; never blocking (the settings are saved)
  const proactive = h('div', { class: 'proactive-advice', 'aria-live': 'polite', 'data-proactive-advice': '' });
  const LEVEL = { error: 'Problem', warning: 'Warning' };
  const showProactive = (p, items) => proactive.replaceChildren(...(items.length ? [
    h('h2', {}, `Advice on the proactive messages of ${p.display_name}`),
    h('p', {}, 'Visitors read these when a rule matches; nothing stops you saving, change the settings if you agree.'),
    h('ul', {}, items.map((m) => h('li', { 'data-rule': m.rule_id }, h('q', {}, m.text),
      h('ul', {}, m.advice.map((a) => h('li', { 'data-code': a.code },
        h('strong', {}, `${LEVEL[a.severity] || 'Suggestion'}: `), a.message)))))),
  ] : []));
  const list = h('div', { class: 'plugins' });

  async function load() {
    const rows = await api('/api/v1/plugins');
    list.replaceChildren(...rows.map(card));
  }

  function badge(text, kind) { return h('span', { class: `badge ${kind || ''}` }, text); }

  function card(p) {
    const error = h('p', { role: 'alert', class: 'error' });
    const toggle = h('input', {
      type: 'checkbox', role: 'switch', checked: p.enabled, name: 'enabled',
      disabled: p.essential || !p.loaded, id: `enable-${p.name}`,
    });
    toggle.addEventListener('change', async () => {
      error.textContent = '';
      try {
        await api(`/api/v1/plugins/${encodeURIComponent(p.name)}`, { method: 'PATCH', body: { enabled: toggle.checked } });
        status.textContent = `${p.display_name} ${toggle.checked ? 'enabled' : 'disabled'}.`;
      } catch (err) {
        toggle.checked = !toggle.checked;
        showError(error, err);
      }
      await load();
      document.getElementById(toggle.id)?.focus(); // the cards are redrawn: keep the switch focused
      await drawNav(); // a plugin's admin pages come and go with it
    });
    const hl = p.health || {};
    const badges = [
      p.essential ? badge('essential') : null,
      p.restart_required ? badge('restart required to load', 'warn') : null,
      !p.compatible ? badge('incompatible', 'warn') : null,
      p.blocked ? badge('blocked', 'warn') : null,
    ];
    return h('section', { class: 'card', 'aria-labelledby': `plugin-${p.name}`, 'data-plugin': p.name },
      h('h2', { id: `plugin-${p.name}` }, p.display_name, ' ', h('small', { class: 'muted' }, `${p.name} ${p.version}`)),
      h('p', {}, p.description), h('p', {}, badges),
      error,
      h('div', { class: 'toggle' }, toggle, h('label', { for: toggle.id }, h('span', { class: 'sr-only' }, `${p.display_name} `), 'Enabled')),
      h('dl', { class: 'health' },
        h('dt', {}, 'Hook calls'), h('dd', {}, String(hl.calls ?? 0)),
        h('dt', {}, 'Failures'), h('dd', {}, String(hl.failures ?? 0)),
        h('dt', {}, 'Timeouts'), h('dd', {}, String(hl.timeouts ?? 0)),
        h('dt', {}, 'Mean time'), h('dd', {}, `${hl.mean_ms ?? 0} ms`),
        hl.last_error ? [h('dt', {}, 'Last error'), h('dd', {}, hl.last_error)] : null,
        jobsHealth(hl.jobs), sinkHealth(hl.analytics),
        // the plugin's own counters (ctx.count), the same in every process
        Object.entries(hl.counters || {}).map(([name, value]) => [h('dt', {}, name), h('dd', {}, String(value))])),
      p.load_errors.length ? h('div', {}, h('h3', {}, 'Load errors'), h('ul', {}, p.load_errors.map((e) => h('li', {}, e)))) : null,
      p.settings_schema.length ? settingsForm(p) : null);
  }

  // background jobs of the plugin (queue depth, running, failures), the same in every process
  function jobsHealth(j) {
    if (!j || !(j.queued || j.scheduled || j.running || j.done || j.failed || j.retried)) return null;
    return [
      h('dt', {}, 'Jobs queued'), h('dd', {}, `${j.queued + j.scheduled} (${j.scheduled} waiting to retry)`),
      h('dt', {}, 'Jobs running'), h('dd', {}, `${j.running} on ${j.workers} worker(s)`),
      h('dt', {}, 'Jobs done'), h('dd', {}, String(j.done)),
      h('dt', {}, 'Jobs failed'), h('dd', {}, `${j.failed} (${j.retried} retried)`),
      j.last_error ? [h('dt', {}, 'Last job error'), h('dd', {}, j.last_error)] : null,
    ];
  }

  // an analytics sink's deliveries (docs/analytics.md): what waits, what was lost and why
  function sinkHealth(a) {
    if (!a) return null;
    return [
      h('dt', {}, 'Events waiting'), h('dd', {}, String(a.pending)),
      h('dt', {}, 'Events delivered'), h('dd', {}, `${a.delivered} (${a.retried} retried)`),
      h('dt', {}, 'Events dropped'), h('dd', {}, `${a.dropped} (buffer full or sink off)`),
      h('dt', {}, 'Dead letters'), h('dd', {}, String(a.dead_letters)),
      h('dt', {}, 'Withheld (no consent)'), h('dd', {}, String(a.withheld)),
    ];
  }

  function input(p, f) {
    const value = p.settings[f.name] ?? f.default ?? '';
    const base = { name: f.name, required: f.required };
    if (f.choices) return h('select', base, f.choices.map((c) => h('option', { value: c, selected: c === value }, String(c))));
    if (f.secret) return h('input', { ...base, type: 'password', autocomplete: 'off', value: '', placeholder: value ? 'stored — leave empty to keep' : '' });
    if (f.type === 'boolean') return h('input', { ...base, type: 'checkbox', checked: !!value });
    if (f.type === 'integer' || f.type === 'number') return h('input', { ...base, type: 'number', step: f.type === 'integer' ? '1' : 'any', value });
    if (f.type === 'list') return h('textarea', { ...base, rows: 3, value: (value || []).join('\n') });
    if (f.type === 'json') return jsonEditor(f, value);
    const types = { email: 'email', url: 'url' };
    return h('input', { ...base, type: types[f.type] || 'text', value });
  }

  function read(f, el) {
    if (f.type === 'boolean') return el.checked;
    if (f.type === 'integer') return el.value === '' ? null : parseInt(el.value, 10);
    if (f.type === 'number') return el.value === '' ? null : Number(el.value);
    if (f.type === 'list') return el.value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (f.type === 'json') return JSON.parse(el.value || 'null');
    return el.value;
  }

  // a schema's display name when it gives one, else the field name in words ("Max size (MB)")
  const UNITS = { mb: '(MB)', kb: '(KB)', url: 'URL', urls: 'URLs', id: 'ID', ids: 'IDs', api: 'API', ttl: 'TTL', seconds: '(seconds)' };
  function fieldLabel(f) {
    if (f.title || f.label) return f.title || f.label;
    const words = f.name.split('_').map((w) => UNITS[w] || w);
    return words.join(' ').replace(/^./, (c) => c.toUpperCase());
  }

  function settingsForm(p) {
    const error = h('p', { role: 'alert', class: 'error' });
    const inputs = p.settings_schema.map((f) => [f, input(p, f)]);
    const form = h('form', { class: 'settings', novalidate: true },
      h('h3', {}, 'Settings'), error,
      inputs.map(([f, el]) => field(fieldLabel(f) + (f.required ? ' (required)' : ''), el,
        [f.description, jsonHint(f), f.env ? `Or set ${f.env} in the environment.` : ''].filter(Boolean).join(' '))),
      h('button', { type: 'submit' }, 'Save settings'));
    // JSON settings are checked as the admin types: syntax, shape, and the fields of each entry
    for (const [f, el] of inputs.filter(([f]) => f.type === 'json')) {
      el.addEventListener('input', () => {
        const slot = form.querySelector(`[data-error-for="${CSS.escape(f.name)}"]`);
        const problems = checkJson(f, el.value);
        slot.textContent = problems.join('\n');
        if (problems.length) el.setAttribute('aria-invalid', 'true');
        else el.removeAttribute('aria-invalid');
      });
    }
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      markInvalid(form, {});
      const problems = Object.fromEntries(inputs.filter(([f]) => f.type === 'json')
        .map(([f, el]) => [f.name, checkJson(f, el.value)]).filter(([, e]) => e.length));
      if (Object.keys(problems).length) {
        markInvalid(form, problems);
        error.textContent = 'Fix the highlighted settings first.';
        form.querySelector('[aria-invalid=true]')?.focus();
        return;
      }
      const settings = {};
      for (const [f, el] of inputs) {
        if (f.secret && el.value === '') { settings[f.name] = MASK; continue; }
        const v = read(f, el);
        if (v !== null) settings[f.name] = v;
      }
      try {
        const saved = await api(`/api/v1/plugins/${encodeURIComponent(p.name)}`, { method: 'PATCH', body: { settings } });
        status.textContent = `Saved settings of ${p.display_name}.`;
        showProactive(p, saved.proactive_advice || []);
        await load();
      } catch (err) { showError(error, err, form); }
    });
    return form;
  }

  view().replaceChildren(status, proactive, list);
  await load();
}

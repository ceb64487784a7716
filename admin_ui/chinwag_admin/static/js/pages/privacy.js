import { ApiError, api, field, h, requireSession, showError, token, view, when } from '../lib.js';

// Privacy requests (docs/privacy.md): find a visitor by id, email or the site's verified id;
// download their archive (JSON + files); erase them after typing their id to confirm.

const who = (v) => v.name || v.email || v.external_id || `Visitor ${v.id}`;

/** Download an admin-only file: the bearer token goes in a header, so no plain link can. */
async function download(path, filename) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${await token()}` }, credentials: 'same-origin' });
  if (!res.ok) {
    let body = {};
    try { body = await res.json(); } catch (err) { body = {}; }
    throw new ApiError(res.status, body.error || { code: 'download_failed', message: 'The download failed.' });
  }
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: '/', download: filename, hidden: true });
  a.href = url; // blob: URLs are this page's own
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export default async function privacy() {
  await requireSession();
  const id = h('input', { type: 'number', name: 'visitor_id', id: 'privacy-id', min: 1, inputmode: 'numeric' });
  const email = h('input', { type: 'email', name: 'email', id: 'privacy-email', autocomplete: 'off' });
  const external = h('input', { type: 'text', name: 'external_id', id: 'privacy-external', autocomplete: 'off' });
  const error = h('p', { role: 'alert', class: 'error' });
  const status = h('p', { role: 'status', id: 'privacy-status' });
  const form = h('form', { role: 'search', class: 'inline', 'aria-label': 'Find a visitor' },
    field('Visitor id', id), field('Email', email, 'Any case.'),
    field('External id', external, 'The id the site\'s backend verified (identity).'),
    h('button', { type: 'submit' }, 'Find'));
  const body = h('tbody');
  const consent = h('section', { hidden: true, 'aria-labelledby': 'privacy-consent-title', tabindex: '-1' });
  const table = h('table', { hidden: true }, h('caption', {}, 'Visitors found'),
    h('thead', {}, h('tr', {}, ['Visitor', 'Site', 'Email', 'External id', 'Last seen', 'Requests']
      .map((t) => h('th', { scope: 'col' }, t)))), body);

  // the erase confirmation: the admin types the visitor id, so a slip of the finger erases nothing
  const confirmInput = h('input', { type: 'text', name: 'confirm', id: 'privacy-confirm', autocomplete: 'off', inputmode: 'numeric' });
  const confirmText = h('p', { id: 'privacy-confirm-text' });
  const confirmError = h('p', { role: 'alert', class: 'error' });
  const eraseButton = h('button', { type: 'submit', class: 'danger' }, 'Erase');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const dialog = h('dialog', { class: 'help', 'aria-labelledby': 'privacy-confirm-title', 'aria-describedby': 'privacy-confirm-text' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'privacy-confirm-title' }, 'Erase visitor'), confirmText,
      field('Type the visitor id to confirm', confirmInput), confirmError,
      h('div', { class: 'actions' }, eraseButton, cancel)));
  let pending = null; // { visitor, opener }
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    if (pending && pending.opener.isConnected) pending.opener.focus();
    pending = null;
  });
  dialog.querySelector('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const { visitor } = pending;
    if (confirmInput.value.trim() !== String(visitor.id)) {
      confirmInput.setAttribute('aria-invalid', 'true');
      confirmError.textContent = `Type ${visitor.id} to erase this visitor.`;
      confirmInput.focus();
      return;
    }
    eraseButton.disabled = true;
    try {
      const res = await api(`/api/v1/visitors/${visitor.id}`, { method: 'DELETE' });
      const failed = res.failed_plugins.length ? ` These plugins failed to erase their data: ${res.failed_plugins.join(', ')}.` : '';
      body.querySelector(`tr[data-visitor="${visitor.id}"]`)?.remove();
      if (!body.children.length) table.hidden = true;
      pending.opener = form.querySelector('button[type=submit]');
      dialog.close();
      status.textContent = `Visitor ${visitor.id} was erased.${failed}`;
    } catch (err) {
      showError(confirmError, err);
    } finally {
      eraseButton.disabled = false;
    }
  });

  function row(v) {
    const get = h('button', { type: 'button' }, 'Download archive');
    const erase = h('button', { type: 'button', class: 'danger' }, 'Erase');
    get.setAttribute('aria-label', `Download archive of ${who(v)}`);
    erase.setAttribute('aria-label', `Erase ${who(v)}`);
    get.addEventListener('click', async () => {
      error.textContent = '';
      get.disabled = true;
      try {
        await download(`/api/v1/visitors/${v.id}/export.zip`, `chinwag-visitor-${v.id}.zip`);
        status.textContent = `The archive of visitor ${v.id} was downloaded.`;
      } catch (err) {
        showError(error, err);
      } finally {
        get.disabled = false;
      }
    });
    erase.addEventListener('click', () => {
      pending = { visitor: v, opener: erase };
      confirmText.textContent = `This erases ${who(v)} (visitor ${v.id}): their conversations, messages, files and every plugin's data. It cannot be undone; the audit log keeps only that it happened.`;
      confirmInput.value = '';
      confirmInput.removeAttribute('aria-invalid');
      confirmError.textContent = '';
      dialog.showModal();
      confirmInput.focus();
    });
    const consentButton = h('button', { type: 'button' }, 'Consent');
    consentButton.setAttribute('aria-label', `Consent history of ${who(v)}`);
    consentButton.addEventListener('click', () => showConsent(v, consent, error));
    return h('tr', { 'data-visitor': v.id },
      h('th', { scope: 'row' }, `${who(v)} (${v.id})`), h('td', {}, String(v.site_id)),
      h('td', {}, v.email || '—'), h('td', {}, v.external_id ? `${v.external_id}${v.verified ? ' (verified)' : ''}` : '—'),
      h('td', {}, when(v.last_seen_at)), h('td', { class: 'actions' }, get, ' ', consentButton, ' ', erase));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    status.textContent = '';
    const params = new URLSearchParams();
    if (id.value) params.set('visitor_id', id.value);
    if (email.value.trim()) params.set('email', email.value.trim());
    if (external.value.trim()) params.set('external_id', external.value.trim());
    if (![...params].length) {
      error.textContent = 'Give a visitor id, an email or an external id.';
      id.focus();
      return;
    }
    try {
      const found = await api(`/api/v1/visitors?${params}`);
      body.replaceChildren(...found.map(row));
      table.hidden = !found.length;
      status.textContent = found.length === 1 ? '1 visitor found.' : `${found.length} visitors found.`;
    } catch (err) {
      showError(error, err, form);
    }
  });

  view().replaceChildren(
    h('p', {}, 'Answer a visitor\'s access or erasure request. Exports and erasures are recorded in the audit log; ',
      'plugins that are disabled are not asked, so enable data-holding plugins first (docs/privacy.md).'),
    form, error, status, table, consent, dialog,
    await retentionSection(), holdSection());
}

/** A visitor's consent now and every grant and withdrawal (docs/privacy.md, Consent). */
async function showConsent(v, box, error) {
  error.textContent = '';
  try {
    const got = await api(`/api/v1/visitors/${v.id}/consent`);
    const now = Object.entries(got.consent.purposes).map(([p, yes]) => `${p}: ${yes ? 'granted' : 'not granted'}`).join(', ');
    const rows = got.records.map((r) => h('tr', {}, h('td', {}, when(r.at)), h('td', {}, r.purpose),
      h('td', {}, r.granted ? 'granted' : 'withdrawn'), h('td', {}, r.version || '—'), h('td', {}, r.source)));
    box.replaceChildren(
      h('h2', { id: 'privacy-consent-title' }, `Consent of ${who(v)} (${v.id})`),
      h('p', {}, got.consent.required ? `Now: ${now} (consent text ${got.consent.version || 'unversioned'}).` : 'This site does not ask for consent.'),
      rows.length ? h('table', {}, h('caption', {}, 'Consent history, oldest first'),
        h('thead', {}, h('tr', {}, ['When', 'Purpose', 'Choice', 'Text version', 'Source'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...rows)) : h('p', {}, 'No consent recorded.'));
    box.hidden = false;
    box.focus();
  } catch (err) {
    showError(error, err);
  }
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const daysValue = (input) => (input.value.trim() === '' ? null : Number(input.value));

/** Per-site retention windows and what the next run of the retention job deletes. */
async function retentionSection() {
  const sites = await api('/api/v1/sites');
  const site = h('select', { name: 'site', id: 'retention-site' },
    sites.map((s) => h('option', { value: s.id }, s.name)));
  const conv = h('input', { type: 'number', name: 'conversation_days', id: 'retention-conversations', min: 1, max: 3650, inputmode: 'numeric' });
  const vis = h('input', { type: 'number', name: 'visitor_inactive_days', id: 'retention-visitors', min: 1, max: 3650, inputmode: 'numeric' });
  const next = h('p', { id: 'retention-next', role: 'status' });
  const error = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { 'aria-labelledby': 'retention-title', novalidate: true },
    field('Site', site),
    field('Delete conversations idle for (days)', conv, 'Their messages and files go too. Empty: keep for ever.'),
    field('Delete visitors inactive for (days)', vis, 'Like an erasure request, plugins included. Empty: keep for ever.'),
    error, h('button', { type: 'submit' }, 'Save retention'));
  const show = (r) => {
    conv.value = r.conversation_days ?? '';
    vis.value = r.visitor_inactive_days ?? '';
    const n = r.next_run;
    next.textContent = `The next run deletes ${plural(n.conversations, 'conversation', 'conversations')} and ${plural(n.visitors, 'visitor', 'visitors')}; ${plural(n.held_conversations, 'conversation is', 'conversations are')} on legal hold.`;
  };
  const load = async () => {
    error.textContent = '';
    if (!site.value) { next.textContent = 'No sites yet.'; return; }
    try { show(await api(`/api/v1/sites/${site.value}/retention`)); } catch (err) { showError(error, err); }
  };
  site.addEventListener('change', load);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      show(await api(`/api/v1/sites/${site.value}/retention`, {
        method: 'PUT', body: { conversation_days: daysValue(conv), visitor_inactive_days: daysValue(vis) },
      }));
    } catch (err) {
      showError(error, err, form);
    }
  });
  await load();
  return h('section', { 'aria-labelledby': 'retention-title' },
    h('h2', { id: 'retention-title' }, 'Retention'),
    h('p', { class: 'muted' }, 'An hourly job deletes, in small batches, what is older than these windows. Conversations on legal hold, and their visitors, are kept.'),
    form, next);
}

/** Put a conversation on legal hold (kept whatever the retention) or release it. */
function holdSection() {
  const id = h('input', { type: 'number', name: 'conversation_id', id: 'hold-conversation', min: 1, inputmode: 'numeric' });
  const reason = h('input', { type: 'text', name: 'reason', id: 'hold-reason', maxlength: 500 });
  const state = h('p', { id: 'hold-state', role: 'status' });
  const error = h('p', { role: 'alert', class: 'error' });
  const toggle = h('button', { type: 'button', hidden: true, 'aria-pressed': 'false' }, 'Legal hold');
  const check = h('button', { type: 'submit' }, 'Look up');
  const form = h('form', { class: 'inline', 'aria-labelledby': 'hold-title' },
    field('Conversation id', id), field('Reason', reason, 'Shown in the audit log.'), check, toggle);
  const show = (hold) => {
    toggle.hidden = false;
    toggle.setAttribute('aria-pressed', hold.held ? 'true' : 'false');
    state.textContent = hold.held
      ? `Conversation ${hold.conversation_id} is on legal hold${hold.reason ? ` (${hold.reason})` : ''}, set by ${hold.set_by}.`
      : `Conversation ${hold.conversation_id} is not on legal hold.`;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    toggle.hidden = true;
    if (!id.value) { error.textContent = 'Give a conversation id.'; id.focus(); return; }
    try { show(await api(`/api/v1/conversations/${id.value}/legal-hold`)); } catch (err) { showError(error, err); }
  });
  toggle.addEventListener('click', async () => {
    error.textContent = '';
    const held = toggle.getAttribute('aria-pressed') === 'true';
    try {
      show(await api(`/api/v1/conversations/${id.value}/legal-hold`, held
        ? { method: 'DELETE' }
        : { method: 'PUT', body: { reason: reason.value.trim() || null } }));
    } catch (err) {
      showError(error, err);
    }
  });
  return h('section', { 'aria-labelledby': 'hold-title' },
    h('h2', { id: 'hold-title' }, 'Legal hold'), form, error, state);
}

import { api, copy, field, h, requireSession, showError, view } from '../lib.js';

const lines = (text) => text.split(/\s+/).map((s) => s.trim()).filter(Boolean);

const INSTALL_ERRORS = {
  origin_not_allowed: 'Not an allowed origin (add it above if it is yours; the widget stays hidden there)',
};
const when = (iso) => new Date(iso).toLocaleString();

/** The installation check (GET /api/v1/sites/<id>/install): where the widget was last loaded
 *  from and what went wrong, as recorded by the server (at most once a minute per origin). */
function installCheck(site, error) {
  const id = `install-${site.id}`;
  const body = h('div', { class: 'install-body' }, h('p', { class: 'muted' }, 'Loading…'));
  api(`/api/v1/sites/${site.id}/install`).then((c) => {
    body.replaceChildren(
      h('p', {}, c.last_load_at ? `Widget last loaded ${when(c.last_load_at)}.`
        : 'The widget has not been loaded yet: add the embed snippet to your pages.'),
      c.origins.length ? h('div', {}, h('h4', { id: `${id}-origins` }, 'Last origins seen'),
        h('ul', { 'aria-labelledby': `${id}-origins` },
          c.origins.map((o) => h('li', {}, h('code', {}, o.origin), ` · ${when(o.at)}`)))) : '',
      c.errors.length ? h('div', {}, h('h4', { id: `${id}-errors` }, 'Last errors'),
        h('ul', { class: 'install-errors', 'aria-labelledby': `${id}-errors` },
          c.errors.map((e) => h('li', {}, `${INSTALL_ERRORS[e.code] || e.code}: `, h('code', {}, e.origin || 'unknown origin'), ` · ${when(e.at)}`))))
        : h('p', { class: 'muted' }, 'No errors seen.'),
      // loads with a key that names no site, from this site's own origins: a mistyped data-site
      (c.unknown_keys || []).length ? h('div', {}, h('h4', { id: `${id}-keys` }, 'Unknown site keys tried'),
        h('ul', { class: 'install-errors', 'aria-labelledby': `${id}-keys` },
          c.unknown_keys.map((k) => h('li', {}, h('code', {}, k.origin), ' tried an unknown key ', h('code', {}, k.site_key),
            ` (this site's key is `, h('code', {}, site.site_key), `) · ${when(k.at)}`)))) : '');
  }).catch((err) => { body.replaceChildren(); showError(error, err); });
  // one region per site: its name tells them apart (landmarks must be unique)
  return h('section', { class: 'install', 'aria-label': `Installation check of ${site.name}` }, h('h3', { id }, 'Installation check'), body);
}

export default async function sites() {
  await requireSession();
  const list = h('div', { class: 'sites' });
  const status = h('p', { role: 'status', class: 'muted' });

  async function load() {
    const rows = await api('/api/v1/sites');
    list.replaceChildren(...(rows.length ? rows.map(card) : [h('p', {}, 'No sites yet.')]));
  }

  function card(site) {
    const error = h('p', { role: 'alert', class: 'error' });
    const secret = h('div', { class: 'secret' });
    const origins = h('textarea', { name: 'allowed_origins', rows: 3, value: site.allowed_origins.join('\n') });
    const saveOrigins = h('form', { class: 'inline' },
      field('Allowed origins (one per line, e.g. https://shop.example)', origins),
      h('button', { type: 'submit' }, 'Save origins'));
    saveOrigins.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api(`/api/v1/sites/${site.id}`, { method: 'PATCH', body: { allowed_origins: lines(origins.value) } });
        status.textContent = `Saved origins of ${site.name}.`;
        await load();
      } catch (err) { showError(error, err, saveOrigins); }
    });
    const snippet = h('textarea', { readonly: true, rows: 3, class: 'code', 'aria-label': `Embed snippet of ${site.name}` });
    const note = h('span', { role: 'status' });
    api(`/api/v1/sites/${site.id}/embed`).then((e) => { snippet.value = e.snippet; })
      .catch((err) => showError(error, err));
    const rotateKey = h('button', { type: 'button' }, 'Rotate site key');
    rotateKey.addEventListener('click', async () => {
      if (!confirm(`Replace the site key of ${site.name}? Every embed snippet must be updated.`)) return;
      try { await api(`/api/v1/sites/${site.id}/rotate-key`, { method: 'POST' }); await load(); status.textContent = 'Site key rotated.'; }
      catch (err) { showError(error, err); }
    });
    const rotateSecret = h('button', { type: 'button' }, 'Rotate identity secret');
    rotateSecret.addEventListener('click', async () => {
      try {
        const out = await api(`/api/v1/sites/${site.id}/rotate-identity-secret`, { method: 'POST' });
        secret.replaceChildren(
          field('New identity secret (shown once; the previous one stays valid until the next rotation)',
            h('input', { type: 'text', readonly: true, value: out.identity_secret, class: 'code' })));
      } catch (err) { showError(error, err); }
    });
    // rename
    const name = h('input', { type: 'text', name: 'name', value: site.name, required: true, autocomplete: 'off' });
    const rename = h('form', { class: 'inline' }, field('Site name', name), h('button', { type: 'submit' }, 'Rename'));
    rename.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api(`/api/v1/sites/${site.id}`, { method: 'PATCH', body: { name: name.value.trim() } });
        const renamed = name.value.trim();
        await load();
        status.textContent = `Renamed ${site.name} to ${renamed}.`;
        document.querySelector(`section[data-site="${site.id}"] input[name=name]`)?.focus();
      } catch (err) { showError(error, err, rename); }
    });
    // identity enforcement: only visitors whose identity the site's backend signed may chat
    const enforce = h('input', { type: 'checkbox', role: 'switch', id: `identity-${site.id}`, checked: !!site.identity_required, 'aria-describedby': `identity-${site.id}-hint` });
    enforce.addEventListener('change', async () => {
      try {
        await api(`/api/v1/sites/${site.id}`, { method: 'PATCH', body: { identity_required: enforce.checked } });
        status.textContent = enforce.checked ? `${site.name} now requires a verified identity.` : `${site.name} accepts anonymous visitors.`;
      } catch (err) { enforce.checked = !enforce.checked; showError(error, err); }
    });
    const remove = h('button', { type: 'button', class: 'danger' }, 'Delete site');
    remove.addEventListener('click', async () => {
      if (!confirm(`Delete ${site.name} and all its conversations? This cannot be undone.`)) return;
      try {
        await api(`/api/v1/sites/${site.id}`, { method: 'DELETE' });
        await load();
        status.textContent = `Deleted site ${site.name}.`;
        document.getElementById('main')?.focus();
      } catch (err) { showError(error, err); }
    });
    return h('section', { class: 'card', 'aria-labelledby': `site-${site.id}`, 'data-site': site.id },
      h('h2', { id: `site-${site.id}` }, site.name),
      h('p', {}, 'Site key: ', h('code', { class: 'site-key' }, site.site_key)),
      error, rename, saveOrigins,
      h('div', { class: 'toggle' }, enforce, h('label', { for: enforce.id }, 'Require a verified identity')),
      h('small', { class: 'muted hint', id: `identity-${site.id}-hint` },
        'Visitors must come with an identity token signed by your backend with the identity secret (docs/widget.md).'),
      field('Embed snippet', snippet),
      installCheck(site, error),
      h('button', { type: 'button', onclick: () => copy(snippet.value, note) }, 'Copy snippet'), note,
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: `/admin/sites/${site.id}/design` }, 'Design the widget'),
        rotateKey, rotateSecret, remove),
      secret);
  }

  const name = h('input', { type: 'text', name: 'name', required: true });
  const origins = h('textarea', { name: 'allowed_origins', rows: 2 });
  const formError = h('p', { role: 'alert', class: 'error' });
  const created = h('div');
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-site' },
    h('h2', { id: 'new-site' }, 'Add a site'), formError,
    field('Name', name), field('Allowed origins (one per line)', origins),
    h('button', { type: 'submit' }, 'Create site'), created);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError.textContent = '';
    try {
      const site = await api('/api/v1/sites', { method: 'POST', body: { name: name.value, allowed_origins: lines(origins.value) } });
      form.reset();
      status.textContent = `Created site ${site.name}. Its identity secret is shown below, once.`;
      created.replaceChildren(field('Identity secret of the new site (shown once)',
        h('input', { type: 'text', readonly: true, value: site.identity_secret, class: 'code' })));
      await load();
    } catch (err) { showError(formError, err, form); }
  });
  view().replaceChildren(status, list, form);
  await load();
}

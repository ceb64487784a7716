// Canned responses: saved replies agents insert with / in the inbox's composer (per site or for
// every site, with variables such as {visitor.name}).
import { api, field, h, requireSession, showError, view } from '../lib.js';

export const VARIABLES = ['{visitor.name}', '{visitor.email}', '{agent.name}', '{site.name}'];

export default async function canned() {
  await requireSession();
  const status = h('p', { role: 'status', class: 'muted' });
  const error = h('p', { role: 'alert', class: 'error' });
  const sites = await api('/api/v1/sites');
  const siteName = (id) => (id ? sites.find((s) => s.id === id)?.name || `site #${id}` : 'Every site');
  const body = h('tbody');
  const table = h('table', {}, h('caption', {}, 'Saved replies, by shortcut'),
    h('thead', {}, h('tr', {}, ['Shortcut', 'Title', 'Text', 'Site', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))), body);

  async function load() {
    const rows = await api('/api/v1/canned-responses');
    body.replaceChildren(...(rows.length ? rows.map((r) => h('tr', { 'data-canned': r.shortcut },
      h('td', {}, h('code', {}, `/${r.shortcut}`)), h('td', {}, r.title), h('td', { class: 'pre' }, r.text),
      h('td', {}, siteName(r.site_id)),
      h('td', {}, h('button', {
        type: 'button', class: 'danger', 'aria-label': `Delete /${r.shortcut}`,
        onclick: async () => {
          try {
            await api(`/api/v1/canned-responses/${r.id}`, { method: 'DELETE' });
            status.textContent = `Deleted /${r.shortcut}.`;
            await load();
            shortcut.focus();
          } catch (err) { showError(error, err); }
        },
      }, 'Delete')))) : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No canned responses yet.'))]));
  }

  const shortcut = h('input', { type: 'text', name: 'shortcut', required: true, autocomplete: 'off' });
  const title = h('input', { type: 'text', name: 'title', required: true, autocomplete: 'off' });
  const text = h('textarea', { name: 'text', rows: 4, required: true });
  const site = h('select', { name: 'site_id' }, h('option', { value: '' }, 'Every site'),
    sites.map((s) => h('option', { value: String(s.id) }, s.name)));
  const formError = h('p', { role: 'alert', class: 'error' });
  // what the content-check plugins advise on the saved text: shown under the editor, announced
  // politely, never blocking (the response is saved already)
  const advice = h('div', { class: 'canned-advice', 'aria-live': 'polite', 'data-advice': '' });
  const showAdvice = (row) => {
    const items = row.advice || [];
    advice.replaceChildren(...(items.length ? [
      h('p', {}, `Advice on /${row.shortcut} (saved; change it and save again if you agree):`),
      h('ul', {}, items.map((a) => h('li', { 'data-code': a.code, 'data-severity': a.severity },
        h('strong', {}, `${{ error: 'Problem', warning: 'Warning' }[a.severity] || 'Suggestion'}: `), a.message))),
    ] : []));
  };
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-canned', novalidate: true },
    h('h2', { id: 'new-canned' }, 'Add a canned response'), formError,
    field('Shortcut', shortcut, 'Typed after / in the composer, e.g. refund.'),
    field('Title', title),
    field('Text', text, `Variables: ${VARIABLES.join(', ')} (filled in when inserted).`),
    advice,
    field('Site', site),
    h('button', { type: 'submit' }, 'Add canned response'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError.textContent = '';
    advice.replaceChildren();
    try {
      const row = await api('/api/v1/canned-responses', {
        method: 'POST',
        body: { shortcut: shortcut.value.trim(), title: title.value.trim(), text: text.value, site_id: site.value ? Number(site.value) : null },
      });
      form.reset();
      status.textContent = `Added /${row.shortcut}.`;
      showAdvice(row);
      await load();
      shortcut.focus();
    } catch (err) { showError(formError, err, form); }
  });
  view().replaceChildren(status, error, table, form);
  await load();
}

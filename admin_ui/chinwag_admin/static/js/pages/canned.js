// Canned responses: saved replies agents insert with / in the inbox's composer (per site or for
// every site, per team or for every agent, with variables such as {visitor.name}).
import { api, field, h, requireSession, showError, view } from '../lib.js';

export const VARIABLES = ['{visitor.name}', '{visitor.email}', '{agent.name}', '{site.name}'];

export default async function canned() {
  await requireSession();
  const status = h('p', { role: 'status', class: 'muted' });
  const error = h('p', { role: 'alert', class: 'error' });
  const [sites, teams] = await Promise.all([api('/api/v1/sites'), api('/api/v1/teams')]);
  const named = (rows, id, none, kind) => (id ? rows.find((r) => r.id === id)?.name || `${kind} #${id}` : none);
  const siteName = (id) => named(sites, id, 'Every site', 'site');
  const teamName = (id) => named(teams, id, 'Every agent', 'team');
  const body = h('tbody');
  const table = h('table', {}, h('caption', {}, 'Saved replies, by shortcut'),
    h('thead', {}, h('tr', {}, ['Shortcut', 'Title', 'Text', 'Site', 'Team', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))), body);

  let editing = null; // the row being edited, or null: the form adds one
  let adviceTimer = 0;
  let adviceAsked = 0;
  let adviceShown = '';

  async function load() {
    const rows = await api('/api/v1/canned-responses');
    body.replaceChildren(...(rows.length ? rows.map((r) => h('tr', { 'data-canned': r.shortcut },
      h('td', {}, h('code', {}, `/${r.shortcut}`)), h('td', {}, r.title), h('td', { class: 'pre' }, r.text),
      h('td', {}, siteName(r.site_id)), h('td', {}, teamName(r.team_id)),
      h('td', {}, h('button', {
        type: 'button', 'aria-label': `Edit /${r.shortcut}`, 'data-edit': r.id,
        onclick: () => startEdit(r),
      }, 'Edit'), ' ', h('button', {
        type: 'button', class: 'danger', 'aria-label': `Delete /${r.shortcut}`,
        onclick: async () => {
          try {
            await api(`/api/v1/canned-responses/${r.id}`, { method: 'DELETE' });
            status.textContent = `Deleted /${r.shortcut}.`;
            if (editing && editing.id === r.id) stopEdit();
            await load();
            shortcut.focus();
          } catch (err) { showError(error, err); }
        },
      }, 'Delete')))) : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No canned responses yet.'))]));
  }

  const shortcut = h('input', { type: 'text', name: 'shortcut', required: true, autocomplete: 'off' });
  const title = h('input', { type: 'text', name: 'title', required: true, autocomplete: 'off' });
  const text = h('textarea', { name: 'text', rows: 4, required: true });
  const site = h('select', { name: 'site_id' }, h('option', { value: '' }, 'Every site'),
    sites.map((s) => h('option', { value: String(s.id) }, s.name)));
  const team = h('select', { name: 'team_id' }, h('option', { value: '' }, 'Every agent'),
    teams.map((t) => h('option', { value: String(t.id) }, t.name)));
  const formError = h('p', { role: 'alert', class: 'error' });
  // what the content-check plugins advise on the text: while the author types (asked half a
  // second after the last key, nothing saved) and on save; announced politely, and only when it
  // changes, never blocking
  const advice = h('div', { class: 'canned-advice', 'aria-live': 'polite', 'data-advice': '' });
  const showAdvice = (items, intro) => {
    const key = JSON.stringify([intro, items.map((a) => a.code + a.message)]);
    if (key === adviceShown) return;
    adviceShown = key;
    advice.replaceChildren(...(items.length ? [
      h('p', {}, intro),
      h('ul', {}, items.map((a) => h('li', { 'data-code': a.code, 'data-severity': a.severity },
        h('strong', {}, `${{ error: 'Problem', warning: 'Warning' }[a.severity] || 'Suggestion'}: `), a.message))),
    ] : []));
  };
  const idOf = (select) => (select.value ? Number(select.value) : null);
  const siteValue = () => idOf(site);
  const askAdvice = () => {
    clearTimeout(adviceTimer);
    adviceTimer = setTimeout(async () => {
      const asked = ++adviceAsked;
      try {
        const found = await api('/api/v1/canned-responses/advice', { method: 'POST', body: { text: text.value, site_id: siteValue() } });
        if (asked === adviceAsked) showAdvice(found.advice, 'Advice on this text (nothing stops you saving):');
      } catch (err) { /* advice is a help, never an obstacle: the save still tells */ }
    }, 500);
  };
  text.addEventListener('input', askAdvice);
  site.addEventListener('change', askAdvice);
  const heading = h('h2', { id: 'new-canned' }, 'Add a canned response');
  const submit = h('button', { type: 'submit' }, 'Add canned response');
  const cancel = h('button', { type: 'button', hidden: true, onclick: () => {
    const row = editing;
    stopEdit();
    status.textContent = 'Edit cancelled.';
    const back = row && body.querySelector(`[data-edit="${row.id}"]`);
    (back || shortcut).focus();
  } }, 'Cancel editing');
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-canned', novalidate: true },
    heading, formError,
    field('Shortcut', shortcut, 'Typed after / in the composer, e.g. refund.'),
    field('Title', title),
    field('Text', text, `Variables: ${VARIABLES.join(', ')} (filled in when inserted).`),
    advice,
    field('Site', site),
    field('Team', team, 'Only this team\'s members (and admins) see it in the / picker.'),
    submit, ' ', cancel);

  function startEdit(row) {
    editing = row;
    shortcut.value = row.shortcut;
    title.value = row.title;
    text.value = row.text;
    site.value = row.site_id ? String(row.site_id) : '';
    team.value = row.team_id ? String(row.team_id) : '';
    heading.textContent = `Edit /${row.shortcut}`;
    submit.textContent = 'Save changes';
    cancel.hidden = false;
    formError.textContent = '';
    status.textContent = `Editing /${row.shortcut}.`;
    askAdvice();
    shortcut.focus();
  }
  function stopEdit() {
    editing = null;
    form.reset();
    heading.textContent = 'Add a canned response';
    submit.textContent = 'Add canned response';
    cancel.hidden = true;
    clearTimeout(adviceTimer);
    adviceAsked++;
    showAdvice([], '');
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError.textContent = '';
    clearTimeout(adviceTimer);
    adviceAsked++; // an answer still on its way is about the text before this save
    const values = { shortcut: shortcut.value.trim(), title: title.value.trim(), text: text.value, site_id: siteValue(), team_id: idOf(team) };
    try {
      const wasEditing = editing;
      const row = await api(wasEditing ? `/api/v1/canned-responses/${wasEditing.id}` : '/api/v1/canned-responses', {
        method: wasEditing ? 'PATCH' : 'POST', body: values,
      });
      stopEdit();
      status.textContent = `${wasEditing ? 'Saved' : 'Added'} /${row.shortcut}.`;
      showAdvice(row.advice || [], `Advice on /${row.shortcut} (saved; change it and save again if you agree):`);
      await load();
      const back = wasEditing && body.querySelector(`[data-edit="${row.id}"]`);
      (back || shortcut).focus();
    } catch (err) { showError(formError, err, form); }
  });
  view().replaceChildren(status, error, table, form);
  await load();
}

// Teams and who sees which site: a team has sites and members; an agent sees the conversations
// of their teams' sites and of the sites they belong to directly; admins see every site.
import { api, field, h, requireSession, showError, view } from '../lib.js';

/** A group of checkboxes (one per option) in a fieldset; .value() gives the checked ids. */
function checks(legend, options, checked, key) {
  const boxes = options.map((o) => {
    const box = h('input', { type: 'checkbox', id: `${key}-${o.id}`, value: String(o.id), checked: checked.includes(o.id) });
    return { box, el: h('div', { class: 'toggle' }, box, h('label', { for: box.id }, o.label)) };
  });
  const set = h('fieldset', { class: 'checks' }, h('legend', {}, legend),
    ...(boxes.length ? boxes.map((b) => b.el) : [h('p', { class: 'muted' }, 'None yet.')]));
  set.value = () => boxes.filter((b) => b.box.checked).map((b) => Number(b.box.value));
  return set;
}

export default async function teams() {
  await requireSession();
  const status = h('p', { role: 'status', class: 'muted' });
  const list = h('div', { class: 'teams' });
  const overview = h('tbody');
  let sites = [];
  let users = [];

  const siteOptions = () => sites.map((s) => ({ id: s.id, label: s.name }));
  const userOptions = () => users.map((u) => ({ id: u.user_id, label: `${u.name || u.email} (${u.role})` }));
  const siteName = (id) => sites.find((s) => s.id === id)?.name || `#${id}`;

  async function load() {
    const [rows, siteRows, access] = await Promise.all([api('/api/v1/teams'), api('/api/v1/sites'), api('/api/v1/access')]);
    sites = siteRows;
    users = access;
    list.replaceChildren(...(rows.length ? rows.map(card) : [h('p', {}, 'No teams yet.')]));
    const teamName = Object.fromEntries(rows.map((t) => [t.id, t.name]));
    overview.replaceChildren(...access.map((u) => h('tr', { 'data-user': u.email },
      h('th', { scope: 'row' }, u.name || u.email), h('td', {}, u.role),
      h('td', {}, u.team_ids.map((id) => teamName[id]).join(', ') || 'none'),
      h('td', {}, u.site_ids.map(siteName).join(', ') || 'none'),
      h('td', { class: 'sees' }, u.all_sites ? 'every site' : (u.visible_site_ids.map(siteName).join(', ') || 'no site')))));
    direct.replaceChildren(...directForm());
  }

  function card(team) {
    const error = h('p', { role: 'alert', class: 'error' });
    const name = h('input', { type: 'text', name: 'name', value: team.name, required: true, autocomplete: 'off' });
    const siteSet = checks(`Sites of ${team.name}`, siteOptions(), team.site_ids, `team-${team.id}-site`);
    const memberSet = checks(`Members of ${team.name}`, userOptions(), team.user_ids, `team-${team.id}-user`);
    const form = h('form', { class: 'inline' }, field('Team name', name), siteSet, memberSet,
      h('button', { type: 'submit' }, 'Save team'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api(`/api/v1/teams/${team.id}`, { method: 'PATCH', body: { name: name.value.trim(), site_ids: siteSet.value(), user_ids: memberSet.value() } });
        await load();
        status.textContent = `Saved team ${name.value.trim()}.`;
        document.querySelector(`section[data-team="${team.id}"] input[name=name]`)?.focus();
      } catch (err) { showError(error, err, form); }
    });
    const remove = h('button', { type: 'button', class: 'danger' }, 'Delete team');
    remove.addEventListener('click', async () => {
      if (!confirm(`Delete the team ${team.name}? Its members keep their other teams and sites; its canned responses are deleted.`)) return;
      try {
        await api(`/api/v1/teams/${team.id}`, { method: 'DELETE' });
        await load();
        status.textContent = `Deleted team ${team.name}.`;
        document.getElementById('main')?.focus();
      } catch (err) { showError(error, err); }
    });
    return h('section', { class: 'card', 'aria-labelledby': `team-${team.id}`, 'data-team': team.id },
      h('h2', { id: `team-${team.id}` }, team.name), error, form, h('div', { class: 'actions' }, remove));
  }

  // an agent's sites outside any team
  const direct = h('form', { class: 'card', 'aria-labelledby': 'direct-sites' });
  function directForm() {
    const error = h('p', { role: 'alert', class: 'error' });
    const who = h('select', { name: 'user' }, users.map((u) => h('option', { value: String(u.user_id) }, u.name || u.email)));
    const boxes = h('div');
    const draw = () => {
      const user = users.find((u) => String(u.user_id) === who.value);
      boxes.replaceChildren(checks('Sites this user belongs to directly', siteOptions(), user ? user.site_ids : [], 'direct-site'));
    };
    who.addEventListener('change', draw);
    draw();
    direct.onsubmit = async (event) => {
      event.preventDefault();
      try {
        const user = users.find((u) => String(u.user_id) === who.value);
        await api(`/api/v1/users/${who.value}/sites`, { method: 'PUT', body: { site_ids: boxes.firstChild.value() } });
        const chosen = who.value;
        await load();
        direct.querySelector('select').value = chosen;
        direct.querySelector('select').dispatchEvent(new Event('change'));
        status.textContent = `Saved the sites of ${user.name || user.email}.`;
      } catch (err) { showError(error, err, direct); }
    };
    return [h('h2', { id: 'direct-sites' }, 'Sites of one user, without a team'), error,
      field('User', who, 'Admins see every site whatever is chosen here.'), boxes,
      h('button', { type: 'submit' }, 'Save sites')];
  }

  const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' });
  const formError = h('p', { role: 'alert', class: 'error' });
  const newSites = h('div');
  const newMembers = h('div');
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-team' },
    h('h2', { id: 'new-team' }, 'Add a team'), formError, field('Name', name), newSites, newMembers,
    h('button', { type: 'submit' }, 'Create team'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError.textContent = '';
    try {
      const team = await api('/api/v1/teams', { method: 'POST', body: {
        name: name.value.trim(), site_ids: newSites.firstChild.value(), user_ids: newMembers.firstChild.value(),
      } });
      form.reset();
      await load();
      drawNew();
      status.textContent = `Created team ${team.name}.`;
    } catch (err) { showError(formError, err, form); }
  });
  function drawNew() {
    newSites.replaceChildren(checks('Sites of the new team', siteOptions(), [], 'new-site'));
    newMembers.replaceChildren(checks('Members of the new team', userOptions(), [], 'new-user'));
  }

  const table = h('table', {},
    h('caption', {}, 'Who sees which site'),
    h('thead', {}, h('tr', {}, ['User', 'Role', 'Teams', 'Direct sites', 'Sees'].map((t) => h('th', { scope: 'col' }, t)))),
    overview);
  view().replaceChildren(status, list, form, direct, table);
  await load();
  drawNew();
}

import { api, copy, currentUser, field, h, requireSession, showError, view, when } from '../lib.js';

export default async function users() {
  await requireSession();
  const status = h('p', { role: 'status', class: 'muted' });
  const error = h('p', { role: 'alert', class: 'error' });
  const table = h('table', {},
    h('caption', {}, 'People who can sign in'),
    h('thead', {}, h('tr', {}, ['Email', 'Name', 'Role', 'Status', 'Teams', 'Email confirmed', 'Created', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))));
  const body = h('tbody');
  table.append(body);

  let teams = [];

  // a user's teams: a disclosure with one checkbox per team, saved in one request
  // (PUT /api/v1/users/{id}/teams: one audit entry, the user's sockets moved once)
  function teamsCell(u) {
    const mine = teams.filter((t) => t.user_ids.includes(u.id));
    const summary = h('summary', { 'aria-label': `Teams of ${u.email}: ${mine.map((t) => t.name).join(', ') || 'none'}` },
      mine.map((t) => t.name).join(', ') || 'none');
    if (!teams.length) return h('td', { class: 'teams' }, 'none');
    const boxes = teams.map((t) => {
      const box = h('input', { type: 'checkbox', id: `user-${u.id}-team-${t.id}`, value: String(t.id), checked: t.user_ids.includes(u.id) });
      return { team: t, box, el: h('div', { class: 'toggle' }, box, h('label', { for: box.id }, t.name)) };
    });
    const save = h('button', { type: 'button' }, 'Save teams');
    save.addEventListener('click', async () => {
      error.textContent = '';
      const changed = boxes.filter((b) => b.box.checked !== b.team.user_ids.includes(u.id));
      try {
        if (changed.length) {
          const ids = boxes.filter((b) => b.box.checked).map((b) => b.team.id);
          await api(`/api/v1/users/${u.id}/teams`, { method: 'PUT', body: { team_ids: ids } });
        }
        status.textContent = changed.length ? `Saved the teams of ${u.email}.` : `No change to the teams of ${u.email}.`;
      } catch (err) {
        showError(error, err);
      }
      await load();
      body.querySelector(`tr[data-user="${CSS.escape(u.email)}"] .teams summary`)?.focus();
    });
    return h('td', { class: 'teams' }, h('details', {}, summary,
      h('fieldset', { class: 'checks' }, h('legend', {}, `Teams of ${u.email}`), ...boxes.map((b) => b.el)), save));
  }

  async function load() {
    const [rows, teamRows, present] = await Promise.all([api('/api/v1/users'), api('/api/v1/teams'),
      api('/api/v1/users/availability').catch(() => [])]);
    teams = teamRows;
    const availability = Object.fromEntries(present.map((a) => [a.user_id, a.status]));
    const self = currentUser();
    body.replaceChildren(...rows.map((u) => {
      const role = h('select', { 'aria-label': `Role of ${u.email}`, disabled: u.id === self.id },
        ['agent', 'admin'].map((r) => h('option', { value: r, selected: u.role === r }, r)));
      role.addEventListener('change', () => change(u, { role: role.value }));
      const toggle = h('button', { type: 'button', disabled: u.id === self.id, onclick: () => change(u, { disabled: !u.disabled }) },
        u.disabled ? 'Enable' : 'Disable');
      const state = u.disabled ? 'disabled' : u.locked ? 'locked' : u.has_password ? 'active' : 'invited';
      // a confirmed email lets an OpenID Connect sign-in with that address link to this account
      const confirm = u.email_confirmed ? null : h('button', {
        type: 'button', class: 'confirm', 'aria-label': `Mark confirmed: ${u.email}`,
        onclick: () => change(u, { email_confirmed: true }),
      }, 'Mark confirmed');
      return h('tr', { 'data-user': u.email },
        h('td', {}, u.email), h('td', {}, u.name), h('td', {}, role),
        h('td', { class: 'state' }, state, u.disabled ? '' : ` · ${availability[u.id] || 'offline'}`), teamsCell(u),
        h('td', { class: 'confirmed' }, u.email_confirmed ? 'yes' : 'no', ' ', confirm),
        h('td', {}, when(u.created_at)), h('td', {}, toggle));
    }));
  }

  async function change(user, patch) {
    error.textContent = '';
    try {
      await api(`/api/v1/users/${user.id}`, { method: 'PATCH', body: patch });
      status.textContent = `Saved ${user.email}.`;
    } catch (err) {
      showError(error, err);
    }
    await load();
  }

  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
  const role = h('select', { name: 'role' }, h('option', { value: 'agent' }, 'agent'), h('option', { value: 'admin' }, 'admin'));
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password' });
  const confirmed = h('input', { type: 'checkbox', name: 'email_confirmed', id: 'new-user-confirmed', 'aria-describedby': 'new-user-confirmed-hint' });
  const invite = h('div', { class: 'invite' });
  const formError = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-user' },
    h('h2', { id: 'new-user' }, 'Invite or create a user'), formError,
    field('Email', email), field('Name', name), field('Role', role),
    field('Password', password, 'Leave empty to get an invitation link instead.'),
    h('div', { class: 'toggle' }, confirmed, h('label', { for: confirmed.id }, 'I vouch that this address belongs to this person')),
    h('small', { class: 'muted hint', id: 'new-user-confirmed-hint' }, 'A confirmed address lets single sign-on link to this account. Invited users confirm theirs by accepting the invitation.'),
    h('button', { type: 'submit' }, 'Add user'), invite);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError.textContent = '';
    invite.replaceChildren();
    const payload = { email: email.value, name: name.value, role: role.value };
    if (password.value) payload.password = password.value;
    if (confirmed.checked) payload.email_confirmed = true;
    try {
      const user = await api('/api/v1/users', { method: 'POST', body: payload });
      form.reset();
      status.textContent = `Added ${user.email}.`;
      if (user.invite_url) {
        const link = h('input', { type: 'text', readonly: true, value: user.invite_url, id: 'invite-link' });
        const note = h('span', { role: 'status' });
        invite.replaceChildren(field('Invitation link (valid 7 days, shown once)', link),
          h('button', { type: 'button', onclick: () => copy(user.invite_url, note) }, 'Copy link'), note);
      }
      await load();
    } catch (err) {
      showError(formError, err, form);
    }
  });

  view().replaceChildren(status, error, table, form);
  await load();
}

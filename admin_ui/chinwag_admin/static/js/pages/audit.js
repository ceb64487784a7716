import { api, field, h, requireSession, showError, view, when } from '../lib.js';

// what an entry means, in words; unknown actions (plugins may add some) show their code only
const ACTIONS = {
  'site.create': 'Created a site', 'site.update': 'Changed a site', 'site.delete': 'Deleted a site',
  'site.rotate_key': 'Rotated the site key', 'site.rotate_identity_secret': 'Rotated the identity secret',
  'user.create': 'Added a user', 'user.update': 'Changed a user', 'user.disable': 'Disabled a user',
  'user.enable': 'Enabled a user', 'user.confirm_email': 'Confirmed an email', 'user.unconfirm_email': 'Unconfirmed an email',
  'user.accept_invite': 'Accepted an invitation', 'plugin.enable': 'Enabled a plugin', 'plugin.disable': 'Disabled a plugin',
  'plugin.configure': 'Changed plugin settings', 'visitor.export': 'Exported a visitor\'s data', 'visitor.erase': 'Erased a visitor',
  'canned.create': 'Added a canned response', 'canned.update': 'Changed a canned response', 'canned.delete': 'Deleted a canned response',
  'team.create': 'Created a team', 'team.update': 'Changed a team', 'team.sites': 'Changed a team\'s sites',
  'team.members': 'Changed a team\'s members', 'team.delete': 'Deleted a team', 'user.sites': 'Changed a user\'s sites', 'user.teams': 'Changed a user\'s teams',
  'conversation.assign': 'Assigned a conversation', 'conversation.unassign': 'Unassigned a conversation',
  'conversation.close': 'Closed a conversation', 'conversation.reopen': 'Reopened a conversation',
  'conversation.snooze': 'Snoozed a conversation', 'conversation.labels': 'Changed a conversation\'s labels',
  'conversation.team': 'Moved a conversation to a team', 'conversation.note': 'Added an internal note',
  'auth.sign_in': 'Signed in', 'auth.sign_in_failed': 'Failed to sign in',
};
// a few details read better in words than as their raw value
const METHODS = { password: 'Email and password', oidc: 'OpenID Connect' };
const CODES = {
  invalid_credentials: 'Wrong email or password', account_locked: 'Account locked after failed attempts',
  account_disabled: 'Account disabled', oidc_no_account: 'No account with this email', oidc_failed: 'Provider sign-in failed',
  oidc_email_unverified: 'Email not verified by the provider', oidc_link_refused: 'Account not linked (email unconfirmed)',
};
const WORDS = { method: METHODS, code: CODES };
const LABELS = { address: 'Client address', code: 'Reason', until: 'Until', user_id: 'User ID', site_id: 'Site ID', team_id: 'Team ID' };
// a plugin's entry (ctx.audit): its action is '<plugin>.<action>', said with the plugin's name
const plugin = (e) => e.plugin_display_name || e.plugin;
const tail = (e) => e.action.slice(e.plugin.length + 1).replace(/[_.]/g, ' ');
const describe = (e) => ACTIONS[e.action] || (e.plugin ? `${plugin(e)}: ${tail(e)}` : e.action);
const who = (e) => (!e.plugin ? e.actor : e.actor === e.plugin ? `Plugin ${plugin(e)}` : `${e.actor} (via ${plugin(e)})`);
const label = (key) => LABELS[key] || key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
const TARGETS = { conversation: 'Conversation', user: 'User', site: 'Site', team: 'Team', visitor: 'Visitor', plugin: 'Plugin', canned_response: 'Canned response' };
const target = (e) => `${TARGETS[e.target_type] || e.target_type} ${e.target_id}`;
const value = (v) => (Array.isArray(v) ? v.map(value).join(', ') || '—' : v && typeof v === 'object' ? JSON.stringify(v) : v === null || v === '' ? '—' : String(v));

/** An entry's details as a list of labelled values (text only), not raw JSON. */
function details(d) {
  const entries = Object.entries(d || {});
  if (!entries.length) return h('span', { class: 'muted' }, '—');
  const shown = (k, v) => (WORDS[k] && WORDS[k][v]) || (k === 'until' && v ? when(v) : value(v));
  return h('dl', { class: 'details' }, entries.map(([k, v]) => [h('dt', {}, label(k)), h('dd', {}, shown(k, v))]));
}

export default async function audit() {
  await requireSession();
  const q = h('input', { type: 'search', name: 'q', id: 'audit-q' });
  const action = h('input', { type: 'text', name: 'action', list: 'audit-actions' });
  const actions = h('datalist', { id: 'audit-actions' },
    ['site.create', 'site.update', 'site.rotate_key', 'site.rotate_identity_secret', 'site.delete',
      'user.create', 'user.update', 'user.disable', 'user.enable', 'user.confirm_email', 'user.unconfirm_email', 'plugin.enable', 'plugin.disable',
      'plugin.configure', 'conversation.assign', 'conversation.unassign', 'conversation.close', 'conversation.reopen',
      'conversation.snooze', 'conversation.labels', 'conversation.team', 'conversation.note', 'auth.sign_in',
      'auth.sign_in_failed'].map((a) => h('option', { value: a })));
  const error = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { role: 'search', class: 'inline' },
    field('Search', q, 'Matches who, action, target and details.'), field('Action', action), actions,
    h('button', { type: 'submit' }, 'Search'));
  const body = h('tbody');
  const table = h('table', {}, h('caption', {}, 'Administrative changes, conversation actions and sign-ins, newest first'),
    h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'Target', 'Details'].map((t) => h('th', { scope: 'col' }, t)))), body);
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  let before = null;

  async function load(reset) {
    error.textContent = '';
    const params = new URLSearchParams();
    if (q.value) params.set('q', q.value);
    if (action.value) params.set('action', action.value);
    if (!reset && before) params.set('before_id', before);
    try {
      const page = await api(`/api/v1/audit?${params}`);
      const rows = page.entries.map((e) => h('tr', { 'data-action': e.action },
        h('td', {}, when(e.created_at)), h('td', {}, who(e)),
        h('td', {}, describe(e), h('br'), h('code', {}, e.action)),
        h('td', {}, target(e)), h('td', {}, details(e.details))));
      if (reset) body.replaceChildren(...rows); else body.append(...rows);
      before = page.next_before_id;
      more.hidden = !before;
    } catch (err) {
      showError(error, err);
    }
  }
  form.addEventListener('submit', (event) => { event.preventDefault(); load(true); });
  more.addEventListener('click', () => load(false));
  view().replaceChildren(form, error, table, more);
  await load(true);
}

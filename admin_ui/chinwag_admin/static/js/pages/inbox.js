// The agent workspace: conversation list, thread and visitor panel. Conversations come from REST
// (/api/v1/inbox), changes arrive on the /agent Socket.IO namespace; event names are read from the
// server's events.json, never retyped here. Per conversation the view keeps last_seq: a pushed
// message with seq <= last_seq is dropped, last_seq + 1 is appended, anything further fetches the
// gap — so after a reconnect the agent sees every message exactly once and in order.
//
// Nothing is rebuilt wholesale: list rows, the header and messages are updated in place so an
// incoming message never moves keyboard focus. Filters and the open conversation live in the URL;
// drafts live in localStorage per agent and conversation, so a reload or a network drop loses none.
import { io } from '../../vendor/socket.io.esm.min.js';
import { announce, api, h, humanError, isSignedOut, refresh, requireSession, retrying, token, view, when } from '../lib.js';
import { ago, avatar, shortcutsDialog } from '../inbox_parts.js';
import { availabilityControl } from '../availability.js';
import { cannedPicker } from '../canned_picker.js';
import { mediaLinks } from '../media.js';
import { bulkActions } from '../inbox_bulk.js';
import { notifications } from '../inbox_notify.js';
import { annotationAnnouncement, annotationChip, annotationList, noteItem, placeNote, pluginPanel } from '../inbox_surface.js';

const TYPING_SHOWN_MS = 6000;
const SLA_WARN_MS = 5 * 60 * 1000;
const SLA_LATE_MS = 15 * 60 * 1000;

const isDay = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v || '') && !Number.isNaN(Date.parse(v));
// a local day's start as an instant (the date filter is in the agent's own time zone)
const dayStart = (day, plus = 0) => { const d = new Date(`${day}T00:00`); d.setDate(d.getDate() + plus); return d.toISOString(); };

let renderMessage = null;
try {
  ({ renderMessage } = await import('../../render/widget-render.js'));
} catch (err) {
  console.error('the widget renderer is not built (make widget): showing plain text', err);
}

export default async function inbox() {
  const me = await requireSession();
  const protocol = await retrying(() => fetch('/api/v1/protocol/events.json').then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.json(); }));
  const C = protocol.client;
  const S = protocol.server;
  const params = new URLSearchParams(location.search);
  const state = {
    assignee: ['unassigned', 'mine', 'all'].includes(params.get('assignee')) ? params.get('assignee') : 'all',
    status: ['closed', 'snoozed'].includes(params.get('status')) ? params.get('status') : 'open',
    q: params.get('q') || '',
    label: params.get('label') || '',
    team: /^\d+$/.test(params.get('team') || '') ? params.get('team') : '', // a team's id
    site: /^\d+$/.test(params.get('site') || '') ? params.get('site') : '', // a site's id
    since: isDay(params.get('from')) ? params.get('from') : '', // started on or after (local day)
    until: isDay(params.get('to')) ? params.get('to') : '', // started on or before (local day)
    labels: [], // every label in use (filter and suggestions)
    conversations: new Map(),
    others: new Map(), // opened from a visitor's history, outside the list's filters
    current: null,
    lastSeq: 0,
    lastEventId: 0,
    people: new Map(),
    // the open conversation's plugin surface: every annotation, the ids of notes shown, panels
    surface: { annotations: [], notes: new Set(), activity: new Set(), panelsEl: null },
  };
  const draftKey = (id) => `chinwag:draft:${me.id}:${id}`;
  async function loadPeople() {
    try {
      const rows = await api('/api/v1/users/active');
      state.people = new Map(rows.map((u) => [u.id, u]));
    } catch (err) { /* keep the last list: assigning still works by the ids it has */ }
  }
  const personName = (id) => { const p = state.people.get(id); return p ? (p.name || p.email) : `user #${id}`; };
  const who = (v) => (v && (v.name || v.email)) || `Visitor #${v ? v.id : '?'}`;

  // -- layout ----------------------------------------------------------------------------
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Show conversations' },
    [['unassigned', 'Unassigned'], ['mine', 'Mine'], ['all', 'All']].map(([value, text]) =>
      h('button', { type: 'button', 'data-assignee': value, 'aria-pressed': String(value === state.assignee) }, text)));
  const statusSel = h('select', { id: 'status-filter' },
    h('option', { value: 'open', selected: state.status === 'open' }, 'Open'),
    h('option', { value: 'snoozed', selected: state.status === 'snoozed' }, 'Snoozed'),
    h('option', { value: 'closed', selected: state.status === 'closed' }, 'Closed'));
  const labelSel = h('select', { id: 'label-filter' }, h('option', { value: '' }, 'Any'));
  const teamSel = h('select', { id: 'team-filter' }, h('option', { value: '' }, 'Any'));
  const siteSel = h('select', { id: 'site-filter' }, h('option', { value: '' }, 'Any'));
  const sinceIn = h('input', { type: 'date', id: 'from-filter', value: state.since });
  const untilIn = h('input', { type: 'date', id: 'to-filter', value: state.until });
  const search = h('input', { type: 'search', id: 'inbox-search', value: state.q, autocomplete: 'off', 'aria-describedby': 'inbox-search-hint inbox-search-error' });
  const searchError = h('small', { class: 'error', id: 'inbox-search-error', hidden: true });
  const list = h('ul', { class: 'conversations', id: 'conversations', 'aria-label': 'Conversations' });
  const empty = h('p', { class: 'muted empty', hidden: true }, 'No conversations here.');
  const connection = h('p', { class: 'muted connection', role: 'status', id: 'connection' }, 'Connecting…');
  const alerts = notifications({ userId: me.id, focusAfter: () => search.focus() });
  const back = h('button', { type: 'button', class: 'secondary back', id: 'back' }, 'Back to conversations');
  const pane = h('section', { class: 'conversation', id: 'conversation', 'aria-label': 'Conversation' },
    h('p', { class: 'muted' }, 'Choose a conversation.'));
  const panel = h('aside', { class: 'visitor-panel', id: 'visitor-panel', 'aria-label': 'Visitor' });
  const help = shortcutsDialog();
  // saved views: named filter sets (the URL's query), the agent's own on the server
  // (/api/v1/inbox/views), so every device shows them; a change is pushed to the agent's other
  // tabs at once (saved_views.changed), and the list is re-read when the page regains focus
  const viewName = h('input', { type: 'text', id: 'view-name', maxlength: 40, autocomplete: 'off', 'aria-describedby': 'view-error' });
  const viewError = h('small', { class: 'error', id: 'view-error', hidden: true });
  const viewsList = h('ul', { class: 'saved-views', 'aria-label': 'Saved views' });
  const viewsForm = h('form', { class: 'inline save-view', 'aria-label': 'Save this view' },
    h('div', { class: 'field' }, h('label', { for: 'view-name' }, 'Save these filters as'), viewName, viewError),
    h('button', { type: 'submit', class: 'secondary', id: 'save-view' }, 'Save view'));
  const savedViews = h('div', { class: 'views' }, viewsList, viewsForm);
  const availability = availabilityControl();
  const bulk = bulkActions({
    send, me: me.id, events: { ASSIGN: C.CONVERSATION_ASSIGN, CLOSE: C.CONVERSATION_CLOSE },
    people: () => [...state.people.values()],
    name: (id) => `the conversation with ${who(getConv(id)?.visitor)}`,
    done: () => scheduleList(0),
  });
  const root = h('div', { class: 'inbox', 'data-open': 'false' },
    h('div', { class: 'list-pane' },
      availability,
      tabs,
      h('div', { class: 'filters' },
        h('div', { class: 'field' }, h('label', { for: 'status-filter' }, 'Status'), statusSel),
        h('div', { class: 'field' }, h('label', { for: 'label-filter' }, 'Label'), labelSel),
        h('div', { class: 'field' }, h('label', { for: 'team-filter' }, 'Team'), teamSel),
        h('div', { class: 'field' }, h('label', { for: 'site-filter' }, 'Site'), siteSel),
        h('div', { class: 'field' }, h('label', { for: 'from-filter' }, 'Started from'), sinceIn),
        h('div', { class: 'field' }, h('label', { for: 'to-filter' }, 'Started until'), untilIn),
        h('div', { class: 'field' }, h('label', { for: 'inbox-search' }, 'Search'), search,
          h('small', { class: 'muted', id: 'inbox-search-hint' }, 'Visitor name, email or id, or words of any message or note ("quoted phrase" for words in a row). Press / to search, ? for shortcuts.'), searchError)),
      savedViews,
      bulk.bar, connection, list, empty, alerts.ask, alerts.control),
    h('div', { class: 'thread-pane' }, back, pane),
    panel, help);
  view().replaceChildren(root);

  let views = [];
  function drawViews() {
    const had = document.activeElement?.dataset?.view; // a redraw keeps focus on its view
    viewsList.replaceChildren(...views.map((v) => h('li', {},
      h('button', { type: 'button', class: 'link', 'data-view': v.name, onclick: () => applyView(v) }, v.name), ' ',
      h('button', { type: 'button', class: 'link', 'aria-label': `Delete view ${v.name}`, onclick: () => deleteView(v) }, '×'))));
    if (!had) return;
    const again = [...viewsList.querySelectorAll('button[data-view]')].find((b) => b.dataset.view === had);
    (again || viewName).focus(); // deleted elsewhere: focus stays in the views, on the name field
  }
  function viewFailed(err) {
    viewError.textContent = err?.details?.name ? err.details.name.join(' ') : humanError(err);
    viewError.hidden = false;
    viewName.setAttribute('aria-invalid', 'true');
    announce(viewError.textContent);
  }
  async function loadViews() {
    try { views = await api('/api/v1/inbox/views'); } catch (err) { return; } // keep the last list
    drawViews();
  }
  async function deleteView(v) {
    try { await api(`/api/v1/inbox/views/${v.id}`, { method: 'DELETE' }); } catch (err) {
      if (err.code !== 'not_found') { viewFailed(err); return; } // gone already (another device)
    }
    views = views.filter((x) => x.id !== v.id);
    drawViews();
    announce(`View ${v.name} deleted.`);
    viewName.focus();
  }
  const currentFilters = () => ({
    assignee: state.assignee, status: state.status, q: state.q, label: state.label,
    team: state.team ? Number(state.team) : null, site: state.site ? Number(state.site) : null, since: state.since, until: state.until,
  });
  viewsForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = viewName.value.trim();
    if (!name) { viewName.focus(); return; }
    viewError.hidden = true;
    viewName.removeAttribute('aria-invalid');
    try {
      const saved = await api('/api/v1/inbox/views', { method: 'POST', body: { name, filters: currentFilters() } });
      views = [...views.filter((v) => v.id !== saved.id), saved];
    } catch (err) { viewFailed(err); return; }
    viewName.value = '';
    drawViews();
    announce(`View ${name} saved.`);
  });
  // views kept in this browser by earlier versions move to the server once, then leave it
  async function moveLocalViews() {
    const key = `chinwag:views:${me.id}`;
    let local;
    try { local = JSON.parse(localStorage.getItem(key) || 'null'); } catch (err) { local = []; }
    if (local === null) return;
    for (const v of Array.isArray(local) ? local : []) {
      const f = v?.filters || {};
      const filters = { ...f, team: /^\d+$/.test(f.team || '') ? Number(f.team) : null };
      try {
        await api('/api/v1/inbox/views', { method: 'POST', body: { name: String(v?.name || '').slice(0, 40), filters } });
      } catch (err) {
        if (err.code === 'network_error' || err.status >= 500) return; // try again next time
      } // refused (a name taken, invalid, 50 already): nothing to keep it for
    }
    localStorage.removeItem(key);
  }
  window.addEventListener('focus', loadViews);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') loadViews(); });
  function applyView(v) {
    const f = v.filters || {};
    state.assignee = ['unassigned', 'mine', 'all'].includes(f.assignee) ? f.assignee : 'all';
    state.status = ['open', 'closed', 'snoozed'].includes(f.status) ? f.status : 'open';
    state.q = typeof f.q === 'string' ? f.q : '';
    state.label = typeof f.label === 'string' ? f.label : '';
    state.team = Number.isInteger(f.team) && f.team > 0 ? String(f.team) : '';
    teamSel.value = state.team;
    state.site = Number.isInteger(f.site) && f.site > 0 ? String(f.site) : '';
    state.since = isDay(f.since) ? f.since : '';
    state.until = isDay(f.until) ? f.until : '';
    siteSel.value = state.site;
    sinceIn.value = state.since;
    untilIn.value = state.until;
    for (const o of tabs.querySelectorAll('button')) o.setAttribute('aria-pressed', String(o.dataset.assignee === state.assignee));
    statusSel.value = state.status;
    search.value = state.q;
    if (state.label && ![...labelSel.options].some((o) => o.value === state.label)) labelSel.append(h('option', { value: state.label }, state.label));
    labelSel.value = state.label;
    writeUrl();
    loadList().catch(() => scheduleList(1000));
    announce(`View ${v.name}.`);
  }
  moveLocalViews().finally(loadViews);

  function writeUrl() {
    const p = new URLSearchParams();
    if (state.assignee !== 'all') p.set('assignee', state.assignee);
    if (state.status !== 'open') p.set('status', state.status);
    if (state.q) p.set('q', state.q);
    if (state.label) p.set('label', state.label);
    if (state.team) p.set('team', state.team);
    if (state.site) p.set('site', state.site);
    if (state.since) p.set('from', state.since);
    if (state.until) p.set('to', state.until);
    if (state.current) p.set('c', String(state.current));
    const qs = p.toString();
    history.replaceState(null, '', location.pathname + (qs ? '?' + qs : ''));
  }

  // -- socket ----------------------------------------------------------------------------
  // Reconnection is quick (at most 1 s between attempts, and at once when the browser says it is
  // online again); a failure to refresh the token signs out only when the server refuses it.
  const socket = io('/agent', {
    transports: ['websocket'],
    reconnectionDelay: 250,
    reconnectionDelayMax: 1000,
    randomizationFactor: 0.2,
    auth: (cb) => { token().then((t) => cb({ token: t }), () => cb({})); },
  });
  const call = (event, payload) => new Promise((resolve) => {
    socket.timeout(10000).emit(event, payload, (err, ack) => {
      resolve(err ? { ok: false, error: { code: 'timeout', message: 'No answer from the server.' } } : ack);
    });
  });
  const connected = () => new Promise((resolve) => { if (socket.connected) resolve(); else socket.once('connect', resolve); });
  async function send(event, payload) {
    if (!socket.connected) await connected();
    let ack = await call(event, payload);
    if (!ack.ok && ['token_expired', 'token_revoked', 'auth_required', 'not_connected'].includes(ack.error?.code)) {
      await refresh();
      socket.disconnect().connect();
      await connected();
      ack = await call(event, payload);
    }
    return ack;
  }
  function signOutIfRefused(err) {
    if (isSignedOut(err)) location.assign('/admin/login?next=' + encodeURIComponent(location.pathname + location.search));
  }

  socket.on('connect', async () => {
    connection.textContent = 'Live';
    availability.refresh(); // this socket makes the agent available
    if (state.lastEventId) {
      const ack = await call(C.INBOX_SYNC, { after_event_id: state.lastEventId });
      if (ack.ok) for (const e of ack.events) state.lastEventId = Math.max(state.lastEventId, e.event_id);
    }
    await Promise.all([loadList().catch(() => scheduleList(1000)), loadPeople()]);
    if (state.current) { await syncCurrent(); loadSurface(state.current); }
  });
  socket.on('disconnect', () => { connection.textContent = 'Reconnecting…'; });
  socket.on('connect_error', async () => {
    connection.textContent = 'Reconnecting…';
    try {
      await refresh();
    } catch (err) {
      signOutIfRefused(err);
      return;
    }
    // refused by the server (an expired token): socket.io does not retry that on its own
    if (!socket.active) socket.connect();
  });
  window.addEventListener('online', () => {
    if (!socket.connected) socket.disconnect().connect();
  });
  socket.on(S.SESSION_REVOKED, () => { socket.disconnect(); location.assign('/admin/login'); });

  socket.on(S.MESSAGE_NEW, ({ message, event_id: eventId }) => {
    if (eventId) state.lastEventId = Math.max(state.lastEventId, eventId);
    const conv = state.conversations.get(message.conversation_id);
    if (conv) {
      const before = totalUnread();
      conv.last_seq = Math.max(conv.last_seq, message.seq);
      conv.updated_at = message.created_at;
      conv.last_message = { author_kind: message.author_kind, author_name: message.author_name, preview: previewOf(message), created_at: message.created_at };
      if (message.author_kind === 'visitor') {
        if (!conv.waiting_since) conv.waiting_since = message.created_at;
        if (!(state.current === conv.id && document.visibilityState === 'visible')) conv.unread = (conv.unread || 0) + 1;
      } else if (message.author_kind === 'agent') {
        conv.waiting_since = null;
      }
      if (message.author_kind === 'visitor' && totalUnread() > before) {
        announce(`New message from ${who(conv.visitor)}: ${conv.unread} unread.`);
        notify('message', conv, message);
      }
      drawList();
    } else {
      scheduleList();
    }
    if (state.current === message.conversation_id) apply([message]);
  });
  socket.on(S.CONVERSATION_UPDATE, ({ conversation }) => {
    const known = state.conversations.get(conversation.id);
    if (known) {
      Object.assign(known, conversation);
      drawList();
      if (state.current === conversation.id) drawHeader();
    }
    if (state.current === conversation.id) loadActivity(conversation.id);
    scheduleList();
  });
  socket.on(S.INBOX_EVENT, (event) => {
    state.lastEventId = Math.max(state.lastEventId, event.event_id);
    scheduleList();
  });
  socket.on(S.TYPING_UPDATE, (t) => {
    if (t.conversation_id !== state.current || t.author_kind === 'agent') return;
    typing.textContent = t.typing ? 'The visitor is typing…' : '';
    clearTimeout(typingTimer);
    if (t.typing) typingTimer = setTimeout(() => { typing.textContent = ''; }, TYPING_SHOWN_MS);
  });
  socket.on(S.PLUGIN_EVENT, (e) => {
    if (e.event === 'media.updated' && e.payload?.block) media.update(e.payload.media_id, e.payload.block);
  });
  // the plugin surface (annotations, notes, panels): pushed on /agent only
  const withAnnotation = (list, u) => [
    ...(list || []).filter((a) => !(a.plugin === u.plugin && a.key === u.key && (a.message_id || null) === (u.message_id || null))),
    ...(u.annotation ? [u.annotation] : []),
  ];
  socket.on(S.ANNOTATION_UPDATE, (u) => {
    const conv = state.conversations.get(u.conversation_id);
    if (conv && !u.message_id) { conv.annotations = withAnnotation(conv.annotations, u); drawList(); }
    if (state.current === u.conversation_id) {
      state.surface.annotations = withAnnotation(state.surface.annotations, u);
      drawAnnotations();
      announce(annotationAnnouncement(u));
    }
  });
  // "@name" or "@email" (or its part before the @) in a colleague's note calls the agent
  const escapeRx = (t) => t.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  const mentionsMe = (text) => [me.name, me.email, (me.email || '').split('@')[0]]
    .filter((t) => t && t.length > 1)
    .some((t) => new RegExp('(^|\\s)@' + escapeRx(t) + '(?![\\w.-])', 'i').test(text));
  socket.on(S.NOTE_NEW, ({ note }) => {
    const mine = note.author_user_id === me.id;
    if (!mine && mentionsMe(note.text)) {
      const conv = getConv(note.conversation_id);
      announce(`${note.author_name || 'A colleague'} mentioned you in a note on the conversation with ${who(conv?.visitor)}.`);
      if (conv) notify('mention', conv, { text: `${note.author_name} mentioned you: ${note.text}` });
      if (state.current === note.conversation_id) addNote(note);
      return;
    }
    if (state.current !== note.conversation_id) return;
    if (addNote(note) && !mine) announce(`Internal note from ${note.author_name || 'a plugin'}.`);
  });
  // a view saved or deleted in another tab or device of this agent (only theirs): at once
  socket.on(S.SAVED_VIEWS_CHANGED, ({ views: fresh }) => {
    if (!Array.isArray(fresh)) return;
    views = fresh;
    drawViews();
  });
  socket.on(S.SURFACE_CHANGED, () => {
    scheduleList();
    if (state.current) loadSurface(state.current);
  });

  // -- list ------------------------------------------------------------------------------
  let listTimer = null;
  function scheduleList(delay = 150) {
    clearTimeout(listTimer);
    listTimer = setTimeout(() => loadList().catch(() => scheduleList(1000)), delay);
  }
  function showSearchError(message) { // a refused query says why beside the box (not retried)
    searchError.textContent = message || '';
    searchError.hidden = !message;
    if (message) search.setAttribute('aria-invalid', 'true'); else search.removeAttribute('aria-invalid');
  }
  async function loadList() {
    const q = state.q;
    let rows;
    try {
      rows = await api(`/api/v1/inbox/conversations?assignee=${state.assignee}&status=${state.status}${q ? `&q=${encodeURIComponent(q)}` : ''}${state.label ? `&label=${encodeURIComponent(state.label)}` : ''}${state.team ? `&team_id=${state.team}` : ''}${state.site ? `&site_id=${state.site}` : ''}${state.since ? `&created_after=${encodeURIComponent(dayStart(state.since))}` : ''}${state.until ? `&created_before=${encodeURIComponent(dayStart(state.until, 1))}` : ''}`);
    } catch (err) {
      const refused = q && err.code === 'validation_error' && err.details?.q;
      if (!refused) throw err;
      showSearchError([].concat(err.details.q).join(' '));
      state.searched = q;
      state.conversations = new Map();
      drawList();
      return;
    }
    showSearchError('');
    const sameQuery = q === state.searched;
    state.searched = q; // the server matched this query over visitors and every message
    const known = new Set(state.conversations.keys());
    const firstLoad = !listLoaded || !sameQuery; // a new search's rows are not new conversations
    listLoaded = true;
    const before = state.conversations;
    state.conversations = new Map(rows.map((c) => [c.id, c]));
    // the open conversation left the list (snoozed, closed): the thread keeps its row
    if (state.current && !state.conversations.has(state.current) && before.has(state.current)) state.others.set(state.current, before.get(state.current));
    const fresh = rows.filter((c) => !known.has(c.id));
    if (!firstLoad && fresh.length) {
      announce(fresh.length === 1 ? `New conversation from ${who(fresh[0].visitor)}.` : `${fresh.length} new conversations.`);
      for (const c of fresh) if (c.last_message?.author_kind === 'visitor') notify('conversation', c, { text: c.last_message.preview });
    }
    drawList();
  }
  let listLoaded = false;
  const rowEls = new Map();
  const previewOf = (m) => {
    const text = String(m.text || '').replace(/\s+/g, ' ').trim();
    if (text) return text.length > 140 ? text.slice(0, 139) + '…' : text;
    return (m.blocks || []).map((b) => `${b.type}${b.name || b.title ? ': ' + (b.name || b.title) : ''}`).join(', ');
  };
  const totalUnread = () => [...state.conversations.values()].reduce((n, c) => n + (c.unread || 0), 0);
  function matches(c) {
    if (state.team && String(c.team_id || '') !== state.team) return false;
    if (state.site && String(c.site_id) !== state.site) return false;
    if (!state.q || state.q === state.searched) return true; // (instant filter while typing)
    const needle = state.q.toLowerCase();
    const v = c.visitor || {};
    return [v.name, v.email, v.external_id, c.site_name, c.last_message?.preview, `#${c.id}`]
      .some((s) => s && String(s).toLowerCase().includes(needle));
  }
  function sla(c) {
    if (!c.waiting_since) return '';
    const waited = Date.now() - Date.parse(c.waiting_since.endsWith('Z') || /[+-]\d\d:\d\d$/.test(c.waiting_since) ? c.waiting_since : c.waiting_since + 'Z');
    return waited > SLA_LATE_MS ? 'late' : waited > SLA_WARN_MS ? 'warn' : 'ok';
  }
  const authorPrefix = (m) => (m.author_kind === 'visitor' ? '' : `${m.author_kind === 'agent' ? (m.author_name || 'Agent') : 'Bot'}: `);
  const getConv = (id) => state.conversations.get(id) || state.others.get(id);
  // why a row matched the search: the newest matching message and note, matched words in <mark>
  // (the parts are plain text from the server, added as text nodes)
  const searchMatches = (c) => ((c.matches || []).length
    ? h('span', { class: 'matches' }, c.matches.map((m) => h('span', { class: `match match-${m.kind}` },
      m.kind === 'note' ? h('span', { class: 'note-tag' }, 'Note: ') : null,
      m.parts.map((p) => (p.mark ? h('mark', {}, p.text) : p.text)))))
    : null);
  function rowContent(c) {
    const v = c.visitor || {};
    const unread = c.unread || 0;
    const assignee = c.assignee_user_id ? (c.assignee_user_id === me.id ? 'you' : personName(c.assignee_user_id)) : null;
    return [
      h('span', { class: 'row1' },
        h('span', { class: 'name' }, who(v)),
        v.verified ? h('span', { class: 'badge ok' }, 'verified') : null,
        unread ? h('span', { class: 'badge unread' }, `${unread} unread`) : null,
        assignee ? avatar(assignee, `Assigned to ${assignee}`) : h('span', { class: 'sr-only' }, 'Unassigned')),
      (c.labels || []).length ? h('span', { class: 'labels' }, c.labels.map((l) => h('span', { class: 'label-chip' }, l))) : null,
      (c.annotations || []).length ? h('span', { class: 'annotations' }, c.annotations.map((a) => annotationChip(a))) : null,
      h('span', { class: 'preview' }, c.last_message ? `${authorPrefix(c.last_message)}${c.last_message.preview}` : 'No messages yet'),
      state.q && state.q === state.searched ? searchMatches(c) : null,
      h('small', { class: 'muted meta' },
        c.site_name || `site #${c.site_id}`, ' · ', c.status,
        c.waiting_since ? h('span', { class: `wait sla-${sla(c)}` }, ` · waiting ${ago(c.waiting_since)}`) : ` · ${when(c.updated_at)}`),
    ];
  }
  function drawList() {
    const rows = [...state.conversations.values()].filter(matches)
      .sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
    const focused = document.activeElement;
    const keep = new Set(rows.map((c) => c.id));
    for (const [id, li] of rowEls) if (!keep.has(id)) { li.remove(); rowEls.delete(id); }
    let prev = null;
    for (const c of rows) {
      let li = rowEls.get(c.id);
      if (!li) {
        // the row's button first (li.firstChild), its checkbox for bulk actions after it
        li = h('li', {}, h('button', { type: 'button', class: 'conv', 'data-conversation': c.id, onclick: () => open(c.id, { focus: 'composer' }) }), bulk.checkbox(c.id));
        rowEls.set(c.id, li);
      }
      const button = li.firstChild;
      button.setAttribute('aria-current', c.id === state.current ? 'true' : 'false');
      button.dataset.sla = sla(c);
      // replaceChildren writes a null part as the text "null": only the parts this row has
      button.replaceChildren(...rowContent(c).filter((part) => part !== null && part !== undefined));
      const at = prev ? prev.nextSibling : list.firstChild;
      if (at !== li) list.insertBefore(li, at);
      prev = li;
    }
    if (focused && focused !== document.activeElement && focused.isConnected) focused.focus({ preventScroll: true });
    empty.hidden = rows.length > 0;
    bulk.shown(rows.map((c) => c.id));
    const n = totalUnread();
    document.title = `${n ? `(${n}) ` : ''}Inbox · Chinwag admin`;
  }
  setInterval(drawList, 30000); // waiting times and SLA colours age
  // a conversation snoozed here comes back to the list when its time is up (one timer, no poll;
  // other agents' snoozes reappear at the next list load, which any inbox event triggers)
  let wakeTimer = null;
  function wakeAt(iso) {
    const due = Date.parse(iso) - Date.now();
    if (!(due > 0) || due > 2 ** 31 - 1) return;
    clearTimeout(wakeTimer);
    wakeTimer = setTimeout(() => scheduleList(), due + 1000);
  }
  for (const b of tabs.querySelectorAll('button')) {
    b.addEventListener('click', () => {
      state.assignee = b.dataset.assignee;
      for (const o of tabs.querySelectorAll('button')) o.setAttribute('aria-pressed', String(o === b));
      writeUrl();
      loadList();
    });
  }
  statusSel.addEventListener('change', () => { state.status = statusSel.value; writeUrl(); loadList(); });
  labelSel.addEventListener('change', () => { state.label = labelSel.value; writeUrl(); loadList(); });
  teamSel.addEventListener('change', () => { state.team = teamSel.value; writeUrl(); loadList(); });
  siteSel.addEventListener('change', () => { state.site = siteSel.value; writeUrl(); loadList(); });
  for (const [input, key] of [[sinceIn, 'since'], [untilIn, 'until']]) {
    input.addEventListener('change', () => { state[key] = isDay(input.value) ? input.value : ''; writeUrl(); loadList(); });
  }
  async function loadSites() { // the sites this agent sees
    let sites = [];
    try { sites = await api('/api/v1/inbox/sites'); } catch (err) { return; }
    siteSel.replaceChildren(h('option', { value: '' }, 'Any'),
      ...sites.map((x) => h('option', { value: String(x.id), selected: String(x.id) === state.site }, x.name)));
  }
  async function loadTeams() { // an agent gets their own teams, an admin every team
    let teams = [];
    try { teams = await api('/api/v1/teams'); } catch (err) { return; }
    state.teamList = teams;
    teamSel.replaceChildren(h('option', { value: '' }, 'Any'),
      ...teams.map((t) => h('option', { value: String(t.id), selected: String(t.id) === state.team }, t.name)));
  }
  async function loadLabels() {
    try { state.labels = (await api('/api/v1/inbox/labels')).labels; } catch (err) { return; }
    const known = new Set([...state.labels, state.label].filter(Boolean));
    labelSel.replaceChildren(h('option', { value: '' }, 'Any'),
      ...[...known].sort().map((l) => h('option', { value: l, selected: l === state.label }, l)));
    labelSuggestions.replaceChildren(...state.labels.map((l) => h('option', { value: l })));
  }
  const labelSuggestions = h('datalist', { id: 'label-suggestions' });
  root.append(labelSuggestions);
  let searchTimer = null;
  search.addEventListener('input', () => {
    state.q = search.value.trim();
    writeUrl();
    drawList();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => loadList().catch(() => scheduleList(1000)), 250);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { search.value = ''; state.q = ''; writeUrl(); drawList(); loadList().catch(() => scheduleList(1000)); }
    if (e.key === 'Enter') list.querySelector('button.conv')?.focus();
  });
  back.addEventListener('click', () => {
    root.dataset.open = 'false';
    rowEls.get(state.current)?.firstChild.focus();
  });

  // -- notifications (inbox_notify.js: the agent's preferences, sound, desktop) ------------
  function notify(kind, conv, message) {
    alerts.notify(kind, {
      title: kind === 'mention' ? 'You were mentioned' : `New message from ${who(conv.visitor)}`,
      body: previewOf(message),
      tag: `conversation-${conv.id}`,
      onclick: () => open(conv.id, { focus: 'composer' }),
    });
  }

  // -- conversation ----------------------------------------------------------------------
  let log = null;
  let header = null;
  const holds = new Map(); // conversation id -> its legal hold (admins), see legalHold()
  const holdSections = new Map();
  let typing = h('p');
  let typingTimer = null;
  let typingSentAt = 0;
  let composer = null;
  const media = mediaLinks({ rerender: (id) => rerenderMedia(id) });
  media.attach(pane);

  function body(m) {
    const el = h('div', { class: 'body' });
    const shown = { ...m, blocks: (m.blocks || []).map((b) => media.fresh(b)) };
    if (renderMessage) renderMessage(el, shown);
    else el.append(h('div', { class: 'cw-text' }, m.text));
    media.watch(m);
    return el;
  }
  function rerenderMedia(mediaId) {
    if (!log) return;
    for (const li of log.querySelectorAll('li.msg')) {
      if (!li._message || !(li._message.blocks || []).some((b) => b.media_id === mediaId)) continue;
      li.querySelector('.body').replaceWith(body(li._message));
    }
  }
  function messageItem(m) {
    const author = m.author_kind === 'visitor' ? 'Visitor' : (m.author_name || m.author_kind);
    const li = h('li', { class: `msg ${m.author_kind}`, 'data-seq': m.seq, 'data-message': m.id },
      h('div', { class: 'meta' }, h('strong', {}, author), ' ', h('small', { class: 'muted' }, when(m.created_at))),
      body(m),
      h('div', { class: 'msg-annotations' }));
    li._message = m;
    drawMessageAnnotations(li);
    return li;
  }

  // -- plugin surface of the open conversation ---------------------------------------------
  function drawMessageAnnotations(li) {
    const mine = state.surface.annotations.filter((a) => a.message_id === li._message.id);
    li.querySelector('.msg-annotations').replaceChildren(
      ...[annotationList(mine, { label: 'Plugin annotations of this message', detail: true })].filter(Boolean));
  }
  function drawAnnotations() {
    const box = header?.querySelector('.conv-annotations');
    const whole = state.surface.annotations.filter((a) => !a.message_id);
    box?.replaceChildren(...[annotationList(whole, { label: 'Plugin annotations of this conversation', detail: true })].filter(Boolean));
    for (const li of log ? log.querySelectorAll('li.msg') : []) drawMessageAnnotations(li);
  }
  function addNote(note) {
    if (!log || state.surface.notes.has(note.id)) return false;
    state.surface.notes.add(note.id);
    const li = noteItem(note);
    placeNote(log, li);
    if (li === log.lastElementChild) li.scrollIntoView({ block: 'nearest' });
    return true;
  }
  async function loadSurface(id) {
    const [a, n] = await Promise.all([
      api(`/api/v1/inbox/conversations/${id}/annotations`).catch(() => null),
      api(`/api/v1/inbox/conversations/${id}/notes`).catch(() => null),
    ]);
    if (state.current !== id || !log) return;
    if (a) { state.surface.annotations = a.annotations; drawAnnotations(); }
    const same = n && n.notes.length === state.surface.notes.size && n.notes.every((x) => state.surface.notes.has(x.id));
    if (n && !same) { // redrawn whole: a disabled plugin's notes leave
      for (const li of [...log.querySelectorAll('li.note')]) li.remove();
      state.surface.notes = new Set();
      for (const note of n.notes) addNote(note);
    }
    await loadPanels(id);
  }
  // the conversation's activity (what agents did to it: assigned, closed, moved to a team...),
  // from GET .../activity, placed among messages and notes by time; reloaded on each update
  function activityText(e) {
    const d = e.details || {};
    const by = ` by ${e.actor_name}`;
    switch (e.action) {
      case 'conversation.team': return (e.team_name ? `Moved to team ${e.team_name}` : 'Moved out of its team') + by;
      case 'conversation.assign': return `Assigned to ${d.user_id ? personName(d.user_id) : 'an agent'}${by}`;
      case 'conversation.unassign': return `Unassigned${by}`;
      case 'conversation.close': return `Closed${by}`;
      case 'conversation.reopen': return `Reopened${by}`;
      case 'conversation.snooze': return (d.until ? `Snoozed until ${when(d.until)}` : 'Woken from snooze') + by;
      case 'conversation.labels': return (Array.isArray(d.labels) && d.labels.length ? `Labels set to ${d.labels.join(', ')}` : 'Labels removed') + by;
      default: return `${e.action}${by}`;
    }
  }
  async function loadActivity(id) {
    let out;
    try { out = await api(`/api/v1/inbox/conversations/${id}/activity`); } catch (err) { return; }
    if (state.current !== id || !log) return;
    for (const e of out.activity) {
      if (state.surface.activity.has(e.id)) continue;
      state.surface.activity.add(e.id);
      const li = h('li', { class: 'activity', 'data-activity': e.id },
        h('small', {}, activityText(e), ' · ', when(e.created_at)));
      li._note = { created_at: e.created_at }; // placed by time like a note
      placeNote(log, li);
    }
  }
  async function loadPanels(id) {
    let out;
    try { out = await api(`/api/v1/inbox/conversations/${id}/panels`); } catch (err) { return; }
    const box = state.surface.panelsEl;
    if (state.current !== id || !box) return;
    const act = (action, values) => send(action.event, { payload: action.payload || {}, values, conversation_id: id });
    box.replaceChildren(...out.panels.map((p) => pluginPanel(p, act)));
  }
  function apply(messages) {
    let gap = false;
    for (const m of messages) {
      if (m.seq <= state.lastSeq) continue;
      if (m.seq !== state.lastSeq + 1) { gap = true; break; }
      log.append(messageItem(m));
      state.lastSeq = m.seq;
    }
    if (gap) syncCurrent();
    else markRead();
    log.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }
  let readSent = 0;
  function markRead() {
    if (state.current && state.lastSeq > readSent && document.visibilityState === 'visible') {
      readSent = state.lastSeq;
      call(C.CONVERSATION_READ_SET, { conversation_id: state.current, seq: state.lastSeq });
      const conv = getConv(state.current);
      if (conv) {
        conv.agent_read_seq = state.lastSeq;
        if (conv.unread) { conv.unread = 0; drawList(); }
      }
    }
  }
  async function syncCurrent() {
    const id = state.current;
    for (;;) {
      const ack = await send(C.CONVERSATION_SYNC, { conversation_id: id, after_seq: state.lastSeq });
      if (!ack.ok || id !== state.current) return;
      if (ack.conversation) Object.assign(getConv(id) || {}, ack.conversation);
      for (const m of ack.messages) {
        if (m.seq === state.lastSeq + 1) { log.append(messageItem(m)); state.lastSeq = m.seq; }
      }
      if (!ack.resync_required) break;
    }
    log.lastElementChild?.scrollIntoView({ block: 'nearest' });
    drawHeader();
    markRead();
  }

  // after an action its button may vanish: focus goes to the one that replaced it
  const FOCUS_AFTER = { 'assign-me': 'unassign', unassign: 'assign-me', assign: 'unassign', close: 'reopen', reopen: 'close', snooze: 'unsnooze', unsnooze: 'snooze' };
  function actionButton(action, label, event, extra) {
    return h('button', { type: 'button', 'data-action': action, onclick: () => act(action, event, extra) }, label);
  }
  function drawHeader() {
    const c = getConv(state.current);
    if (!c || !header) return;
    const v = c.visitor || {};
    const mine = c.assignee_user_id === me.id;
    const focusedAction = header.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    const typedLabel = header.querySelector('#add-label')?.value || ''; // a colleague's change redraws: keep it
    const others = [...state.people.values()].filter((u) => u.id !== me.id && u.id !== c.assignee_user_id);
    let handOver = null;
    if (others.length) {
      const select = h('select', { id: 'assign-to', name: 'user_id' },
        others.map((u) => h('option', { value: String(u.id) }, `${u.name || u.email} (${u.role})`)));
      handOver = h('form', { class: 'assign inline', 'aria-label': 'Hand the conversation over' },
        h('div', { class: 'field' }, h('label', { for: 'assign-to' }, 'Assign to'), select),
        h('button', { type: 'submit', 'data-action': 'assign' }, 'Assign'));
      handOver.addEventListener('submit', (event) => {
        event.preventDefault();
        act('assign', C.CONVERSATION_ASSIGN, { user_id: Number(select.value) });
      });
    }
    header.replaceChildren(...[
      h('h2', { id: 'conv-title', tabindex: '-1' }, who(v), ' ', v.verified ? h('span', { class: 'badge ok' }, 'verified') : h('span', { class: 'badge' }, 'unverified'), holdBadge(c.id)),
      h('div', { class: 'conv-annotations' }),
      h('p', { class: 'actions' },
        h('span', { class: 'muted assignee' }, `${c.site_name ? c.site_name + ' · ' : ''}Status: ${c.status}. `,
          c.assignee_user_id ? (mine ? 'Assigned to you. ' : `Assigned to ${personName(c.assignee_user_id)}. `) : 'Unassigned. '),
        mine ? null : actionButton('assign-me', 'Assign to me', C.CONVERSATION_ASSIGN, { user_id: me.id }),
        c.assignee_user_id ? actionButton('unassign', 'Unassign', C.CONVERSATION_ASSIGN, { user_id: null }) : null,
        c.status === 'open'
          ? actionButton('close', 'Close', C.CONVERSATION_CLOSE, {})
          : actionButton('reopen', 'Reopen', C.CONVERSATION_REOPEN, {})),
      handOver,
      snoozer(c),
      teamPicker(c),
      labelEditor(c),
      actError,
    ].filter(Boolean));
    drawAnnotations();
    const labelInput = header.querySelector('#add-label');
    if (labelInput && typedLabel && String(c.id) === header.dataset.conversation) labelInput.value = typedLabel;
    header.dataset.conversation = String(c.id);
    if (focusedAction) refocus(focusedAction);
    drawPanel(c);
  }
  // the conversation's team (PUT .../team); a change by anyone redraws the header live
  // (conversation.update), the select keeping focus through its data-action
  function teamPicker(c) {
    const teams = state.teamList || [];
    if (!teams.length) return null;
    const select = h('select', { id: 'conv-team', 'data-action': 'team' }, h('option', { value: '' }, 'No team'),
      ...teams.map((t) => h('option', { value: String(t.id), selected: t.id === c.team_id }, t.name)));
    select.addEventListener('change', async () => {
      actError.textContent = '';
      try {
        await api(`/api/v1/inbox/conversations/${c.id}/team`, { method: 'PUT', body: { team_id: select.value ? Number(select.value) : null } });
        announce(select.value ? `Moved to team ${select.selectedOptions[0].textContent}.` : 'Moved out of its team.');
      } catch (err) { actError.textContent = humanError(err); }
    });
    return h('div', { class: 'field conv-team' }, h('label', { for: 'conv-team' }, 'Team'), select);
  }
  // snooze: out of the open list until a time; the visitor writing brings it back at once
  const isSnoozed = (c) => Boolean(c.snoozed_until) && Date.parse(c.snoozed_until) > Date.now();
  const SNOOZE_MAX_MS = 90 * 86400e3; // the server's limit (bad_snooze beyond it)
  let snoozePick = { id: null, choice: '', at: '' };
  function snoozeChoices() {
    const at = (d) => d.toISOString();
    const now = new Date();
    const tomorrow = new Date(now); tomorrow.setDate(now.getDate() + 1); tomorrow.setHours(9, 0, 0, 0);
    const monday = new Date(now); monday.setDate(now.getDate() + (((8 - now.getDay()) % 7) || 7)); monday.setHours(9, 0, 0, 0);
    return [
      ['1 hour', at(new Date(now.getTime() + 3600e3))],
      ['4 hours', at(new Date(now.getTime() + 4 * 3600e3))],
      ['Tomorrow at 9:00', at(tomorrow)],
      ['Next Monday at 9:00', at(monday)],
    ];
  }
  function snoozer(c) {
    if (c.status !== 'open') return null;
    if (isSnoozed(c)) {
      return h('p', { class: 'snoozed' }, `Snoozed until ${when(c.snoozed_until)}. `,
        h('button', { type: 'button', class: 'secondary', 'data-action': 'unsnooze', onclick: () => snooze(c, null, 'unsnooze') }, 'Wake now'));
    }
    // the presets, or a time the agent chooses (a local date and time, in the next 90 days); what
    // was chosen survives the header's redraws (another agent's change, a new message)
    const pick = snoozePick.id === c.id ? snoozePick : (snoozePick = { id: c.id, choice: '', at: '' });
    const select = h('select', { id: 'snooze-for' },
      snoozeChoices().map(([text, value], i) => h('option', { value, selected: pick.choice === String(i) }, text)),
      h('option', { value: 'custom', selected: pick.choice === 'custom' }, 'A time I choose'));
    const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
    const now = new Date();
    const at = h('input', { type: 'datetime-local', id: 'snooze-at', value: pick.at, min: local(now), max: local(new Date(now.getTime() + SNOOZE_MAX_MS)), 'aria-describedby': 'snooze-at-error' });
    const atError = h('small', { class: 'error', id: 'snooze-at-error' });
    const atField = h('div', { class: 'field', hidden: pick.choice !== 'custom' }, h('label', { for: 'snooze-at' }, 'Snooze until'), at, atError);
    select.addEventListener('change', () => {
      pick.choice = select.value === 'custom' ? 'custom' : String(select.selectedIndex);
      atField.hidden = select.value !== 'custom';
    });
    at.addEventListener('input', () => { pick.at = at.value; at.removeAttribute('aria-invalid'); atError.textContent = ''; });
    const form = h('form', { class: 'snooze inline', 'aria-label': 'Snooze', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'snooze-for' }, 'Snooze for'), select),
      atField,
      h('button', { type: 'submit', class: 'secondary', 'data-action': 'snooze' }, 'Snooze'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (select.value !== 'custom') { snooze(c, select.value, 'snooze'); return; }
      const chosen = at.value ? new Date(at.value) : null; // a datetime-local value is local time
      const wrong = !chosen || Number.isNaN(chosen.getTime()) ? 'Choose a date and a time.'
        : chosen.getTime() <= Date.now() ? 'Choose a time in the future.'
          : chosen.getTime() > Date.now() + SNOOZE_MAX_MS ? 'Choose a time in the next 90 days.' : '';
      if (wrong) {
        atError.textContent = wrong;
        at.setAttribute('aria-invalid', 'true');
        at.focus();
        announce(wrong);
        return;
      }
      snoozePick = { id: null, choice: '', at: '' };
      snooze(c, chosen.toISOString(), 'snooze');
    });
    return form;
  }
  async function snooze(c, until, action) {
    actError.textContent = '';
    try {
      const out = await api(`/api/v1/inbox/conversations/${c.id}/snooze`, { method: 'PUT', body: { until } });
      for (const row of [c, getConv(c.id)]) if (row) row.snoozed_until = out.snoozed_until;
      if (out.snoozed_until) wakeAt(out.snoozed_until);
      const keep = focusStillHere();
      drawHeader();
      if (keep) refocus(action);
      announce(out.snoozed_until ? `Snoozed until ${when(out.snoozed_until)}. It comes back sooner if the visitor writes.` : 'Woken: back in the open list.');
      scheduleList();
    } catch (err) { actError.textContent = humanError(err); }
  }
  // labels: chips with a remove button each, and a field to add one (suggesting those in use)
  function labelEditor(c) {
    const current = () => (getConv(c.id) || c).labels || [];
    const input = h('input', { type: 'text', id: 'add-label', 'data-action': 'add-label', list: 'label-suggestions', autocomplete: 'off', maxlength: 40 });
    const form = h('form', { class: 'labels-editor inline', 'aria-label': 'Labels' },
      h('ul', { class: 'labels', 'aria-label': 'Labels of this conversation' },
        (c.labels || []).map((l) => h('li', { class: 'label-chip' }, l, ' ',
          h('button', { type: 'button', class: 'link', 'aria-label': `Remove label ${l}`, 'data-action': `unlabel-${l}`,
            onclick: () => saveLabels(c, current().filter((x) => x !== l), 'add-label') }, '×')))),
      h('div', { class: 'field' }, h('label', { for: 'add-label' }, 'Add a label'), input),
      h('button', { type: 'submit', 'data-action': 'label' }, 'Add label'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const l = input.value.trim().toLowerCase();
      if (!l) return;
      input.value = ''; // given back if the save is refused
      saveLabels(c, [...current(), l], 'add-label', l);
    });
    return form;
  }
  async function saveLabels(c, labels, focusId, typed = '') {
    actError.textContent = '';
    try {
      const out = await api(`/api/v1/inbox/conversations/${c.id}/labels`, { method: 'PUT', body: { labels } });
      c.labels = out.labels;
      const live = getConv(c.id); // the list may have been reloaded since the header was drawn
      if (live) live.labels = out.labels;
      const keep = focusStillHere();
      drawHeader();
      drawList();
      if (keep) document.getElementById(focusId)?.focus();
      announce(`Labels: ${out.labels.join(', ') || 'none'}.`);
      loadLabels();
    } catch (err) {
      actError.textContent = err.details ? 'A label is 1 to 40 lower-case letters, digits, spaces, - or _.' : humanError(err);
      const input = header.querySelector('#add-label');
      if (typed && input && !input.value) input.value = typed;
    }
  }
  // an answer that arrives after the agent moved on (say, pressed / to search) leaves focus there
  const focusStillHere = () => !document.activeElement || document.activeElement === document.body || header.contains(document.activeElement);
  function refocus(action) {
    const target = header.querySelector(`[data-action="${action}"]`)
      || header.querySelector(`[data-action="${FOCUS_AFTER[action]}"]`)
      || header.querySelector('[data-action]');
    target?.focus();
  }
  const actError = h('p', { role: 'alert', class: 'error' });
  async function act(action, event, extra) {
    actError.textContent = '';
    const ack = await send(event, { conversation_id: state.current, ...extra });
    if (!ack.ok) { actError.textContent = ack.error.message; return; }
    if (ack.conversation) Object.assign(getConv(ack.conversation.id) || {}, ack.conversation);
    const keep = focusStillHere();
    drawHeader();
    if (keep) refocus(action);
    drawList();
    scheduleList();
  }

  // -- visitor panel ---------------------------------------------------------------------
  // one notion of "verified", with its source: the site's signed identity, or a confirmation
  // link the visitor opened (docs/privacy.md); an address nobody vouches for has no badge
  const EMAIL_SOURCES = { identity: 'by the site', link: 'by a confirmation link' };
  function emailBadge(v) {
    const by = EMAIL_SOURCES[v.email_verified_by];
    if (!by) return null;
    return [' ', h('span', { class: 'badge ok', title: v.email_verified_at ? `Since ${when(v.email_verified_at)}` : null }, `verified ${by}`)];
  }
  let panelFor = null;
  function drawPanel(c) {
    const v = c.visitor || {};
    const attrs = Object.entries(v.attributes || {});
    const past = h('ul', { class: 'past', 'aria-label': 'Conversations of this visitor' }, h('li', { class: 'muted' }, 'Loading…'));
    const dl = h('dl', { class: 'visitor' },
      h('dt', {}, 'Name'), h('dd', {}, v.name || '—'),
      h('dt', {}, 'Email'), h('dd', {}, v.email || '—', v.email ? emailBadge(v) : null),
      v.external_id ? [h('dt', {}, 'User id'), h('dd', {}, v.external_id)] : null,
      h('dt', {}, 'Identity'), h('dd', {}, v.verified ? 'Verified by the site' : 'Not verified'),
      h('dt', {}, 'Page'), h('dd', { class: 'url' }, v.page_url || '—'),
      h('dt', {}, 'Referrer'), h('dd', { class: 'url' }, v.referrer || '—'),
      h('dt', {}, 'Locale'), h('dd', {}, v.locale || '—'),
      h('dt', {}, 'First seen'), h('dd', {}, when(v.created_at)),
      attrs.map(([k, val]) => [h('dt', {}, k), h('dd', {}, typeof val === 'string' ? val : JSON.stringify(val))]));
    const focused = panel.contains(document.activeElement) ? document.activeElement : null;
    panel.replaceChildren(h('h2', {}, 'Visitor'), dl, state.surface.panelsEl, me.role === 'admin' && v.id ? privacy(v) : null, me.role === 'admin' ? legalHold(c) : null, h('h3', {}, 'Past conversations'), past);
    if (focused && focused.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
    // the history is fetched once per opened conversation; header redraws reuse it
    if (panelFor === c.id && panel._past) { past.replaceWith(panel._past); return; }
    panelFor = c.id;
    panel._past = null;
    api(`/api/v1/inbox/visitors/${v.id}/conversations`).then((rows) => {
      const others = rows.filter((r) => r.id !== c.id);
      const el = h('ul', { class: 'past', 'aria-label': 'Conversations of this visitor' },
        others.length ? others.map((r) => h('li', {},
          h('button', { type: 'button', class: 'link', onclick: () => open(r.id, { focus: 'title', row: r }) },
            `#${r.id} · ${r.status} · ${when(r.updated_at)}`),
          h('br'), h('small', { class: 'muted' }, r.last_message ? r.last_message.preview : 'No messages'))) : h('li', { class: 'muted' }, 'None.'));
      panel._past = el;
      if (past.isConnected) past.replaceWith(el);
    }, () => { past.replaceChildren(h('li', { class: 'error' }, 'Could not load the history.')); });
  }

  // privacy requests (admins): the export downloads as JSON, the erasure asks first
  const privacyStatus = h('p', { role: 'status', class: 'muted' });
  function privacy(v) {
    const exportBtn = h('button', { type: 'button', class: 'secondary' }, 'Export data');
    exportBtn.addEventListener('click', async () => {
      try {
        const data = await api(`/api/v1/visitors/${v.id}/export`);
        const link = h('a', { href: '/', download: `visitor-${v.id}.json`, hidden: true });
        link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
        panel.append(link);
        link.click();
        setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
        privacyStatus.textContent = `Exported the data of ${who(v)} (visitor-${v.id}.json).`;
      } catch (err) { privacyStatus.textContent = humanError(err); }
    });
    const eraseBtn = h('button', { type: 'button', class: 'danger' }, 'Erase visitor');
    eraseBtn.addEventListener('click', async () => {
      if (!confirm(`Erase ${who(v)} and all their conversations and files? This cannot be undone.`)) return;
      try {
        const out = await api(`/api/v1/visitors/${v.id}`, { method: 'DELETE' });
        for (const [id, c] of [...state.conversations]) if (c.visitor_id === v.id) { state.conversations.delete(id); }
        state.current = null;
        writeUrl();
        pane.replaceChildren(h('p', { class: 'muted' }, 'Choose a conversation.'));
        panel.replaceChildren(privacyStatus);
        root.dataset.open = 'false';
        drawList();
        privacyStatus.textContent = out.failed_plugins?.length
          ? `Erased ${who(v)}; retry for: ${out.failed_plugins.join(', ')}.`
          : `Erased ${who(v)} and everything held about them.`;
        announce(privacyStatus.textContent);
        search.focus();
      } catch (err) { privacyStatus.textContent = humanError(err); }
    });
    return h('div', { class: 'privacy' }, h('h3', {}, 'Privacy'), exportBtn, eraseBtn, privacyStatus);
  }

  // legal hold (admins, as the REST API requires): a held conversation is kept whatever the
  // site's retention; set and released here (audited by the API), shown as a badge
  function holdBadge(id) {
    return holds.get(id)?.held
      ? h('span', { class: 'badge warn hold-badge' }, 'legal hold')
      : h('span', { class: 'hold-badge', hidden: true });
  }
  function legalHold(c) {
    // one section per conversation, reused by redraws (focus and typed reason survive them)
    if (holdSections.has(c.id)) return holdSections.get(c.id);
    const url = `/api/v1/conversations/${c.id}/legal-hold`;
    const status = h('p', { role: 'status', class: 'hold-state' }, 'Loading…');
    const error = h('p', { role: 'alert', class: 'error' });
    const reason = h('input', { type: 'text', id: 'hold-reason', name: 'reason', maxlength: 500, 'aria-describedby': 'hold-reason-hint' });
    const toggle = h('button', { type: 'button', id: 'hold-toggle', class: 'secondary', 'aria-pressed': 'false', disabled: true }, 'Legal hold');
    const show = (hold) => {
      holds.set(c.id, hold);
      toggle.disabled = false;
      toggle.setAttribute('aria-pressed', hold.held ? 'true' : 'false');
      status.replaceChildren(...(hold.held
        ? [h('span', { class: 'badge warn' }, 'On legal hold'), `${hold.reason ? ` ${hold.reason}.` : ''} Set by ${hold.set_by}; retention keeps it.`]
        : ['Not on legal hold: the site\'s retention applies.']));
      if (state.current === c.id) header?.querySelector('.hold-badge')?.replaceWith(holdBadge(c.id));
    };
    toggle.addEventListener('click', async () => {
      // busy, not disabled: a disabled button would drop the keyboard user's focus
      if (toggle.getAttribute('aria-busy') === 'true') return;
      error.textContent = '';
      const held = toggle.getAttribute('aria-pressed') === 'true';
      toggle.setAttribute('aria-busy', 'true');
      try {
        show(await api(url, held ? { method: 'DELETE' } : { method: 'PUT', body: { reason: reason.value.trim() || null } }));
      } catch (err) { error.textContent = humanError(err); }
      toggle.removeAttribute('aria-busy');
    });
    api(url).then(show, (err) => { status.textContent = ''; error.textContent = humanError(err); });
    const section = h('div', { class: 'legal-hold' },
      h('h3', {}, 'Legal hold'),
      h('div', { class: 'field' }, h('label', { for: 'hold-reason' }, 'Reason'), reason,
        h('small', { id: 'hold-reason-hint', class: 'muted' }, 'Kept in the audit log.')),
      toggle, error, status);
    holdSections.set(c.id, section);
    return section;
  }

  // -- composer --------------------------------------------------------------------------
  function makeComposer(id) {
    const text = h('textarea', { id: 'reply', rows: 3, name: 'text', 'aria-describedby': 'reply-hint' });
    text.value = localStorage.getItem(draftKey(id)) || '';
    const replyError = h('p', { role: 'alert', class: 'error', id: 'reply-error' });
    const uploadStatus = h('p', { role: 'status', class: 'muted upload-status' });
    const attached = [];
    const attachedList = h('ul', { class: 'attached', 'aria-label': 'Attached files' });
    const fileInput = h('input', { type: 'file', id: 'attach', multiple: true, class: 'sr-only', hidden: true });
    const attachLabel = h('label', { for: 'attach', class: 'button secondary attach', hidden: true }, 'Attach files');
    const conv = getConv(id) || {};
    const picker = cannedPicker(text, {
      load: () => api(`/api/v1/canned-responses${conv.site_id ? `?site_id=${conv.site_id}` : ''}`),
      vars: () => {
        const v = getConv(id)?.visitor || {};
        return { 'visitor.name': v.name || 'there', 'visitor.email': v.email || '', 'agent.name': me.name || me.email, 'site.name': getConv(id)?.site_name || '' };
      },
    });
    // Reply (to the visitor) or Note (agents only): two radios; the label, hint and button say which
    const REPLY_HINT = 'Enter sends, Shift+Enter starts a new line, / inserts a canned response. Drop or paste files to attach them.';
    const NOTE_HINT = 'Enter adds the note, Shift+Enter starts a new line. Only agents see notes; the visitor never does.';
    // two toggle buttons (not radios: the composer's own label is "Reply")
    const modeReply = h('button', { type: 'button', class: 'secondary', id: 'mode-reply', 'aria-pressed': 'true' }, 'Reply');
    const modeNote = h('button', { type: 'button', class: 'secondary', id: 'mode-note', 'aria-pressed': 'false' }, 'Note');
    const textLabel = h('label', { for: 'reply' }, 'Reply');
    const hint = h('small', { class: 'muted', id: 'reply-hint' }, REPLY_HINT);
    const submit = h('button', { type: 'submit' }, 'Send');
    const noteMode = () => modeNote.getAttribute('aria-pressed') === 'true';
    const form = h('form', { class: 'reply', 'aria-label': 'Composer' },
      h('div', { class: 'compose-mode', role: 'group', 'aria-label': 'Message to the visitor or internal note' }, modeReply, modeNote),
      textLabel, h('div', { class: 'composer' }, text, picker),
      hint,
      attachedList, uploadStatus, replyError,
      h('div', { class: 'composer-actions' }, submit, fileInput, attachLabel));
    function drawMode() {
      const note = noteMode();
      form.classList.toggle('note-mode', note);
      textLabel.textContent = note ? 'Internal note (agents only)' : 'Reply';
      hint.textContent = note ? NOTE_HINT : REPLY_HINT;
      submit.textContent = note ? 'Add note' : 'Send';
      attachLabel.classList.toggle('off', note); // a note is text only
      fileInput.classList.toggle('off', note);
      replyError.textContent = '';
    }
    for (const [button, note] of [[modeReply, false], [modeNote, true]]) {
      button.addEventListener('click', () => {
        modeReply.setAttribute('aria-pressed', String(!note));
        modeNote.setAttribute('aria-pressed', String(note));
        drawMode();
      });
    }
    api(`/api/v1/plugins/chinwag-media/limits?conversation_id=${id}`).then((l) => {
      attachLabel.hidden = !l.enabled;
      fileInput.hidden = !l.enabled;
      fileInput.accept = (l.allowed_types || []).join(",");
    }, () => {});

    function drawAttached() {
      attachedList.replaceChildren(...attached.map((b, i) => h('li', {}, b.name || b.type, ' ',
        h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${b.name || b.type}`, onclick: () => { attached.splice(i, 1); drawAttached(); text.focus(); } }, 'Remove'))));
    }
    async function upload(files) {
      for (const file of files) {
        uploadStatus.textContent = `Uploading ${file.name}…`;
        replyError.textContent = '';
        const data = new FormData();
        data.append('file', file);
        data.append('conversation_id', String(id));
        try {
          const out = await api('/api/v1/plugins/chinwag-media/uploads', { method: 'POST', form: data });
          attached.push(out.block);
          drawAttached();
          uploadStatus.textContent = `Attached ${file.name}. Send to share it.`;
        } catch (err) {
          uploadStatus.textContent = '';
          replyError.textContent = `${file.name}: ${err.message}`;
        }
      }
    }
    fileInput.addEventListener('change', () => { upload([...fileInput.files]); fileInput.value = ''; });
    text.addEventListener('paste', (e) => {
      const files = [...(e.clipboardData?.files || [])];
      if (files.length) { e.preventDefault(); upload(files); }
    });
    text.addEventListener('input', () => {
      if (text.value) localStorage.setItem(draftKey(id), text.value);
      else localStorage.removeItem(draftKey(id));
      if (!noteMode() && Date.now() - typingSentAt > 3000 && socket.connected) { // a note is not typing to the visitor
        typingSentAt = Date.now();
        call(C.TYPING_SET, { conversation_id: id, typing: true });
      }
    });
    text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    let sending = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const value = text.value.trim();
      if ((!value && !attached.length) || sending) return;
      if (noteMode()) { await addNoteFromComposer(value); return; }
      sending = true;
      replyError.textContent = '';
      const payload = { conversation_id: id, client_msg_id: crypto.randomUUID(), text: value };
      if (attached.length) payload.blocks = [...attached];
      // the composer empties at once (the thread shows the message when the server has it); the
      // draft stays stored until the ack, and a refused send puts the text back if nothing new was typed
      text.value = '';
      // the same client_msg_id on a retry: the server keeps one copy
      let ack = await send(C.MESSAGE_SEND, payload);
      if (!ack.ok && ack.error?.code === 'timeout') ack = await send(C.MESSAGE_SEND, payload);
      sending = false;
      if (!ack.ok) {
        if (!text.value) text.value = value;
        replyError.textContent = `Not sent: ${ack.error.message}`;
        return;
      }
      if (text.value) localStorage.setItem(draftKey(id), text.value);
      else localStorage.removeItem(draftKey(id));
      attached.length = 0;
      drawAttached();
      uploadStatus.textContent = '';
      typingSentAt = 0;
      call(C.TYPING_SET, { conversation_id: id, typing: false });
      if (state.current === id) apply([ack.message]);
    });
    async function addNoteFromComposer(value) {
      if (attached.length) { replyError.textContent = 'A note is text only: remove the attached files or switch to Reply.'; return; }
      if (!value) return;
      sending = true;
      replyError.textContent = '';
      try {
        // no automatic retry: a repeated POST would add the note twice
        const note = await api(`/api/v1/inbox/conversations/${id}/notes`, { method: 'POST', body: { text: value }, retry: false });
        if (text.value.trim() === value) text.value = '';
        localStorage.removeItem(draftKey(id));
        if (state.current === id) addNote(note);
        announce('Note added. Only agents see it.');
      } catch (err) {
        replyError.textContent = `Note not added: ${humanError(err)}`;
      } finally {
        sending = false;
      }
    }
    return { form, text, upload };
  }
  pane.addEventListener('dragover', (e) => {
    if (composer && e.dataTransfer?.types.includes('Files')) { e.preventDefault(); pane.classList.add('dropping'); }
  });
  pane.addEventListener('dragleave', () => pane.classList.remove('dropping'));
  pane.addEventListener('drop', (e) => {
    pane.classList.remove('dropping');
    if (!composer || !e.dataTransfer?.files.length) return;
    e.preventDefault();
    composer.upload([...e.dataTransfer.files]);
  });

  async function open(id, { focus = null, row = null } = {}) {
    if (row && !state.conversations.has(id)) state.others.set(id, row);
    state.current = id;
    state.lastSeq = 0;
    state.surface = { annotations: [], notes: new Set(), activity: new Set(), panelsEl: h('div', { class: 'plugin-panels' }) };
    readSent = 0;
    root.dataset.open = 'true';
    writeUrl();
    header = h('div', { class: 'conv-header' });
    log = h('ol', { class: 'messages', tabindex: '0', 'aria-label': 'Message history' });
    typing = h('p', { class: 'typing muted', 'aria-live': 'polite' });
    composer = makeComposer(id);
    pane.replaceChildren(header, h('div', { role: 'log', 'aria-label': 'Messages', class: 'log' }, log), typing, composer.form);
    pane.setAttribute('aria-label', 'Conversation');
    drawList();
    if (!getConv(id)) state.others.set(id, { id, visitor: null, status: '', last_seq: 0 });
    drawHeader();
    if (focus === 'composer') composer.text.focus();
    else if (focus === 'title') header.querySelector('#conv-title')?.focus();
    await syncCurrent();
    await loadSurface(id);
    await loadActivity(id);
  }

  // -- keyboard shortcuts ----------------------------------------------------------------
  function step(delta) {
    const buttons = [...list.querySelectorAll('button.conv')];
    if (!buttons.length) return;
    const at = buttons.findIndex((b) => Number(b.dataset.conversation) === state.current);
    const next = buttons[Math.min(buttons.length - 1, Math.max(0, at < 0 ? 0 : at + delta))];
    next.focus();
    open(Number(next.dataset.conversation));
  }
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = e.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || e.target.isContentEditable || help.open) return;
    const click = (action) => { const b = header?.querySelector(`[data-action="${action}"]`); if (b) { b.focus(); b.click(); } };
    switch (e.key) {
      case 'j': step(1); break;
      case 'k': step(-1); break;
      case 'r': if (composer) composer.text.focus(); else return; break;
      case 'e': click('close'); break;
      case 'a': click('assign-me'); break;
      case '/': search.focus(); break;
      case '?': help.showModal(); break;
      default: return;
    }
    e.preventDefault();
  });

  document.addEventListener('visibilitychange', markRead);
  await Promise.all([loadList(), loadPeople(), loadLabels(), loadTeams(), loadSites()]);
  const wanted = Number(params.get('c'));
  if (wanted) await open(wanted, { focus: null });
}

// The live inbox. Conversations come from REST; changes arrive on the /agent Socket.IO namespace.
// Event names are read from the server's events.json, never retyped here. Per conversation the
// view keeps last_seq: a pushed message with seq <= last_seq is dropped, last_seq + 1 is
// appended, anything further fetches the gap — so after a reconnect the agent sees every
// message exactly once and in order.
import { io } from '../../vendor/socket.io.esm.min.js';
import { api, h, refresh, requireSession, token, view, when } from '../lib.js';

const TYPING_SHOWN_MS = 6000;

export default async function inbox() {
  const me = await requireSession();
  const protocol = await fetch('/api/v1/protocol/events.json').then((r) => r.json());
  const C = protocol.client;
  const S = protocol.server;

  const state = { assignee: 'all', status: 'open', conversations: new Map(), current: null, lastSeq: 0, lastEventId: 0, people: new Map() };
  async function loadPeople() {
    try {
      const rows = await api('/api/v1/users/active');
      state.people = new Map(rows.map((u) => [u.id, u]));
    } catch (err) { /* keep the last list: assigning still works by the ids it has */ }
  }
  const personName = (id) => state.people.get(id)?.name || `user #${id}`;

  // -- layout ----------------------------------------------------------------------------
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Show conversations' },
    [['unassigned', 'Unassigned'], ['mine', 'Mine'], ['all', 'All']].map(([value, text]) =>
      h('button', { type: 'button', 'data-assignee': value, 'aria-pressed': String(value === state.assignee) }, text)));
  const statusSel = h('select', { id: 'status-filter' }, h('option', { value: 'open' }, 'Open'), h('option', { value: 'closed' }, 'Closed'));
  const list = h('ul', { class: 'conversations', id: 'conversations', 'aria-label': 'Conversations' });
  const connection = h('p', { class: 'muted', role: 'status', id: 'connection' }, 'Connecting…');
  const pane = h('section', { class: 'conversation', id: 'conversation', 'aria-label': 'Conversation' },
    h('p', { class: 'muted' }, 'Choose a conversation.'));
  view().replaceChildren(h('div', { class: 'inbox' },
    h('div', { class: 'list-pane' }, tabs, h('label', { for: 'status-filter' }, 'Status '), statusSel, connection, list),
    pane));

  // -- socket ----------------------------------------------------------------------------
  const socket = io('/agent', {
    transports: ['websocket'],
    auth: (cb) => { token().then((t) => cb({ token: t }), () => cb({})); },
  });
  const call = (event, payload) => new Promise((resolve) => {
    socket.timeout(10000).emit(event, payload, (err, ack) => {
      resolve(err ? { ok: false, error: { code: 'timeout', message: 'No answer from the server.' } } : ack);
    });
  });
  async function send(event, payload) {
    let ack = await call(event, payload);
    if (!ack.ok && ['token_expired', 'token_revoked', 'auth_required', 'not_connected'].includes(ack.error?.code)) {
      await refresh();
      socket.disconnect().connect();
      await new Promise((resolve) => socket.once('connect', resolve));
      ack = await call(event, payload);
    }
    return ack;
  }

  socket.on('connect', async () => {
    connection.textContent = 'Live';
    // catch up on everything missed while disconnected
    if (state.lastEventId) {
      const ack = await call(C.INBOX_SYNC, { after_event_id: state.lastEventId });
      if (ack.ok) for (const e of ack.events) state.lastEventId = Math.max(state.lastEventId, e.event_id);
    }
    await Promise.all([loadList(), loadPeople()]);
    if (state.current) await syncCurrent();
  });
  socket.on('disconnect', () => { connection.textContent = 'Reconnecting…'; });
  socket.on('connect_error', async () => {
    connection.textContent = 'Reconnecting…';
    try { await refresh(); } catch (err) { location.assign('/admin/login'); }
  });
  socket.on(S.SESSION_REVOKED, () => { socket.disconnect(); location.assign('/admin/login'); });

  socket.on(S.MESSAGE_NEW, ({ message, event_id: eventId }) => {
    if (eventId) state.lastEventId = Math.max(state.lastEventId, eventId);
    const conv = state.conversations.get(message.conversation_id);
    if (conv) {
      conv.last_seq = Math.max(conv.last_seq, message.seq);
      conv.updated_at = message.created_at;
    } else {
      scheduleList();
    }
    if (state.current === message.conversation_id) apply([message]);
    drawList();
  });
  socket.on(S.CONVERSATION_UPDATE, ({ conversation }) => {
    state.conversations.set(conversation.id, { ...(state.conversations.get(conversation.id) || {}), ...conversation });
    if (state.current === conversation.id) drawHeader();
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

  // -- list ------------------------------------------------------------------------------
  let listTimer = null;
  function scheduleList() {
    clearTimeout(listTimer);
    listTimer = setTimeout(loadList, 150);
  }
  async function loadList() {
    const rows = await api(`/api/v1/conversations?assignee=${state.assignee}&status=${state.status}`);
    state.conversations = new Map(rows.map((c) => [c.id, c]));
    drawList();
  }
  function who(v) { return (v && (v.name || v.email)) || `Visitor #${v ? v.id : '?'}`; }
  function drawList() {
    const rows = [...state.conversations.values()].sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
    list.replaceChildren(...(rows.length ? rows.map((c) => {
      const unread = Math.max(0, c.last_seq - c.agent_read_seq);
      return h('li', {},
        h('button', { type: 'button', class: 'conv', 'data-conversation': c.id, 'aria-current': c.id === state.current ? 'true' : null, onclick: () => open(c.id) },
          h('span', { class: 'name' }, who(c.visitor)),
          c.visitor?.verified ? h('span', { class: 'badge ok' }, 'verified') : null,
          unread ? h('span', { class: 'badge unread' }, `${unread} new`) : null,
          h('small', { class: 'muted' }, ` ${c.status} · ${when(c.updated_at)}`)));
    }) : [h('li', { class: 'muted' }, 'No conversations here.')]));
  }
  for (const b of tabs.querySelectorAll('button')) {
    b.addEventListener('click', () => {
      state.assignee = b.dataset.assignee;
      for (const o of tabs.querySelectorAll('button')) o.setAttribute('aria-pressed', String(o === b));
      loadList();
    });
  }
  statusSel.addEventListener('change', () => { state.status = statusSel.value; loadList(); });

  // -- conversation ----------------------------------------------------------------------
  let log = null;
  let header = null;
  let typing = h('p');
  let typingTimer = null;
  let typingSentAt = 0;

  function renderBlocks(blocks) {
    return (blocks || []).map((b) => h('div', { class: 'block' },
      h('small', { class: 'muted' }, `[${b.type}] `),
      ['title', 'text', 'filename', 'name', 'alt', 'label'].filter((k) => typeof b[k] === 'string').map((k) => h('span', {}, `${b[k]} `)),
      typeof b.url === 'string' ? h('a', { href: b.url, rel: 'noopener noreferrer', target: '_blank' }, b.url) : null));
  }
  function messageItem(m) {
    const author = m.author_kind === 'visitor' ? 'Visitor' : (m.author_name || m.author_kind);
    return h('li', { class: `msg ${m.author_kind}`, 'data-seq': m.seq },
      h('div', { class: 'meta' }, h('strong', {}, author), ' ', h('small', { class: 'muted' }, when(m.created_at))),
      h('div', { class: 'text' }, m.text),
      renderBlocks(m.blocks));
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
  }
  let readSent = 0;
  function markRead() {
    if (state.current && state.lastSeq > readSent && document.visibilityState === 'visible') {
      readSent = state.lastSeq;
      call(C.CONVERSATION_READ_SET, { conversation_id: state.current, seq: state.lastSeq });
    }
  }
  async function syncCurrent() {
    const id = state.current;
    for (;;) {
      const ack = await send(C.CONVERSATION_SYNC, { conversation_id: id, after_seq: state.lastSeq });
      if (!ack.ok || id !== state.current) return;
      if (ack.conversation) state.conversations.set(id, { ...(state.conversations.get(id) || {}), ...ack.conversation });
      for (const m of ack.messages) {
        if (m.seq === state.lastSeq + 1) { log.append(messageItem(m)); state.lastSeq = m.seq; }
      }
      if (!ack.resync_required) break;
    }
    drawHeader();
    markRead();
  }

  function drawHeader() {
    const c = state.conversations.get(state.current);
    if (!c || !header) return;
    const v = c.visitor || {};
    const attrs = Object.entries(v.attributes || {});
    const mine = c.assignee_user_id === me.id;
    header.replaceChildren(
      h('h2', { id: 'conv-title' }, who(v), ' ', v.verified ? h('span', { class: 'badge ok' }, 'verified') : h('span', { class: 'badge' }, 'unverified')),
      h('dl', { class: 'visitor' },
        v.email ? [h('dt', {}, 'Email'), h('dd', {}, v.email)] : null,
        h('dt', {}, 'Page'), h('dd', { class: 'url' }, v.page_url || '—'),
        h('dt', {}, 'Referrer'), h('dd', { class: 'url' }, v.referrer || '—'),
        h('dt', {}, 'Locale'), h('dd', {}, v.locale || '—'),
        attrs.map(([k, val]) => [h('dt', {}, k), h('dd', {}, typeof val === 'string' ? val : JSON.stringify(val))])),
      h('p', { class: 'actions' },
        h('span', { class: 'muted assignee' }, `Status: ${c.status}. `, c.assignee_user_id ? (mine ? 'Assigned to you. ' : `Assigned to ${personName(c.assignee_user_id)}. `) : 'Unassigned. '),
        mine ? null : h('button', { type: 'button', onclick: () => act(C.CONVERSATION_ASSIGN, { user_id: me.id }) }, 'Assign to me'),
        c.assignee_user_id ? h('button', { type: 'button', onclick: () => act(C.CONVERSATION_ASSIGN, { user_id: null }) }, 'Unassign') : null,
        c.status === 'open'
          ? h('button', { type: 'button', onclick: () => act(C.CONVERSATION_CLOSE, {}) }, 'Close')
          : h('button', { type: 'button', onclick: () => act(C.CONVERSATION_REOPEN, {}) }, 'Reopen')),
      assignForm(c),
      actError);
  }
  function assignForm(c) {
    const others = [...state.people.values()].filter((u) => u.id !== me.id && u.id !== c.assignee_user_id);
    if (!others.length) return null;
    const select = h('select', { id: 'assign-to', name: 'user_id' },
      others.map((u) => h('option', { value: String(u.id) }, `${u.name} (${u.role})`)));
    const form = h('form', { class: 'assign inline', 'aria-label': 'Hand the conversation over' },
      h('div', { class: 'field' }, h('label', { for: 'assign-to' }, 'Assign to'), select),
      h('button', { type: 'submit' }, 'Assign'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      act(C.CONVERSATION_ASSIGN, { user_id: Number(select.value) });
    });
    return form;
  }
  const actError = h('p', { role: 'alert', class: 'error' });
  async function act(event, extra) {
    actError.textContent = '';
    const ack = await send(event, { conversation_id: state.current, ...extra });
    if (!ack.ok) { actError.textContent = ack.error.message; return; }
    if (ack.conversation) state.conversations.set(ack.conversation.id, ack.conversation);
    drawHeader();
    scheduleList();
  }

  async function open(id) {
    state.current = id;
    state.lastSeq = 0;
    readSent = 0;
    header = h('div', { class: 'conv-header' });
    log = h('ol', { class: 'messages' });
    typing = h('p', { class: 'typing muted', 'aria-live': 'polite' });
    const text = h('textarea', { id: 'reply', rows: 3, name: 'text', required: true });
    const replyError = h('p', { role: 'alert', class: 'error' });
    const form = h('form', { class: 'reply' },
      h('label', { for: 'reply' }, 'Reply'), text, replyError, h('button', { type: 'submit' }, 'Send'));
    text.addEventListener('input', () => {
      if (Date.now() - typingSentAt > 3000) {
        typingSentAt = Date.now();
        call(C.TYPING_SET, { conversation_id: id, typing: true });
      }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = text.value.trim();
      if (!body) return;
      replyError.textContent = '';
      const clientMsgId = crypto.randomUUID();
      const ack = await send(C.MESSAGE_SEND, { conversation_id: id, client_msg_id: clientMsgId, text: body });
      if (!ack.ok) { replyError.textContent = ack.error.message; return; }
      text.value = '';
      typingSentAt = 0;
      call(C.TYPING_SET, { conversation_id: id, typing: false });
      if (state.current === id) apply([ack.message]);
    });
    pane.replaceChildren(header, h('div', { role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' }, log), typing, form);
    drawList();
    drawHeader();
    await syncCurrent();
  }

  document.addEventListener('visibilitychange', markRead);
  await Promise.all([loadList(), loadPeople()]);
}

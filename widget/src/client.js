// The chat's connection and state: session, socket, per-conversation seq rule, persistent outbox.
// UI-free; the view subscribes with `onChange`.
import { io } from "socket.io-client";
import { client as C, server as S, namespaces } from "../../core/chinwag/events.json";
import { Features } from "./features.js";


function store(prefix) {
  return {
    get(k) {
      try {
        return JSON.parse(localStorage.getItem(prefix + k));
      } catch (e) {
        return null;
      }
    },
    set(k, v) {
      try {
        if (v == null) localStorage.removeItem(prefix + k);
        else localStorage.setItem(prefix + k, JSON.stringify(v));
      } catch (e) {
        /* storage blocked: the chat still works for this page view */
      }
    },
  };
}

let counter = 0;
function newId() {
  const rnd = crypto.getRandomValues(new Uint32Array(2));
  return "w" + Date.now().toString(36) + rnd[0].toString(36) + rnd[1].toString(36) + (counter++).toString(36);
}

export class Client {
  constructor(boot) {
    this.boot = boot;
    // a preview keeps nothing: it neither reads nor writes the visitor's storage
    this.db = boot.preview ? { get: () => null, set() {} } : store("chinwag:" + boot.site_key + ":");
    this.session = this.db.get("session");
    this.current = this.db.get("current");
    // with no current conversation, the next connect shows the latest open one (return visits,
    // a verified visitor on a new device)
    this.pick = this.current == null;
    this.outbox = this.db.get("outbox") || [];
    this.tq = [];
    this.ratings = this.db.get("ratings") || {};
    this.convs = {};
    this.conversations = [];
    this.settings = boot.settings;
    this.status = "idle"; // idle | connecting | online | offline | unavailable
    this.error = null;
    this.visible = false;
    this.context = {};
    this.identity = null;
    this.listeners = [];
    this.pluginListeners = [];
    // what proactive rules read (the host page's URL arrives when the visitor opens the chat)
    this.page = { url: "", since: Date.now(), events: [] };
    this.flushing = false;
    this.features = new Features(this);
    // (a preview boot has only the consent place: the first form's consent boxes)
    this.features.set(boot.features);
  }

  onChange(fn) {
    this.listeners.push(fn);
  }

  changed() {
    this.listeners.forEach((fn) => fn());
  }

  conv(id) {
    return (this.convs[id] = this.convs[id] || { id, messages: [], last: 0, info: null, typing: 0 });
  }

  hasSession() {
    return !!this.session;
  }

  async startSession(extra) {
    const body = {
      site_key: this.boot.site_key,
      locale: this.locale,
      ...this.context,
      ...extra,
    };
    if (this.session) body.visitor_token = this.session.visitor_token;
    if (this.identity) body.identity = this.identity;
    for (const k in body) if (body[k] == null || body[k] === "") delete body[k];
    if (!this.socket) {
      this.status = "starting";
      this.changed();
    }
    // the visitor sees an error code's sentence (sessionError), never "Failed to fetch" or a proxy's page
    let res = null;
    let data = {};
    try {
      res = await fetch("/api/v1/widget/session", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "omit",
        body: JSON.stringify(body),
      });
      data = await res.json();
    } catch (e) {
      /* offline, or not JSON (a 502/503 from a proxy): reported below */
    }
    if (!res || !res.ok || !data.visitor_token) {
      this.status = "unavailable";
      this.sessionError = !res ? "network" : (data.error && data.error.code) || "unavailable";
      this.changed();
      throw new Error(this.sessionError);
    }
    this.sessionError = null;
    if (this.session && this.session.visitor_id !== data.visitor_id) this.forget(false);
    this.waiting = false;
    this.session = { visitor_token: data.visitor_token, visitor_id: data.visitor_id, expires_at: data.expires_at, verified: data.verified };
    this.db.set("session", this.session);
    this.settings = data.settings;
    this.features.set(data.features);
    this.connect();
    return data;
  }

  // drop what belongs to the current visitor (conversations, unsent messages); with `all` the
  // session too. Unsent messages never go out as another visitor.
  forget(all) {
    if (this.socket) {
      this.socket.disconnect();
      this.socket = null;
    }
    this.convs = {};
    this.conversations = [];
    this.current = null;
    this.outbox = [];
    this.waiting = false;
    this.pick = true;
    this.db.set("current", null);
    this.db.set("outbox", null);
    if (all) {
      this.session = null;
      this.ratings = {};
      this.db.set("session", null);
      this.db.set("ratings", null);
      this.status = "idle";
    }
    this.changed();
  }

  // a new token for an expired or revoked session. A verified visitor is renewed only with an
  // identity (the host page calls Chinwag('identify') on each load): without one the widget waits
  // instead of turning them into a new anonymous visitor in the background, and once the
  // visitor opens the chat it treats them as logged out (`onLoggedOut`).
  renew() {
    if (this.session && this.session.verified && !this.identity) {
      this.waiting = true;
      if (this.opened) this.onLoggedOut();
      return Promise.resolve();
    }
    return this.startSession({}).catch(() => {});
  }

  connect() {
    if (this.socket) {
      this.socket.auth = this.auth();
      this.socket.disconnect().connect();
      return;
    }
    this.status = "connecting";
    const s = (this.socket = io(namespaces.WIDGET, {
      auth: this.auth(),
      transports: ["websocket", "polling"],
      tryAllTransports: true,
    }));
    s.on("connect", () => this.onConnect());
    s.on("disconnect", () => {
      if (this.status === "online") this.status = "connecting";
      this.changed();
    });
    s.on("connect_error", () => {
      // the server refused the handshake (expired token): renew the session once, then retry
      if (s.active) return;
      this.status = "connecting";
      this.changed();
      if (this.renewing) return;
      this.renewing = true;
      setTimeout(() => this.renew().finally(() => (this.renewing = false)), 1000);
    });
    s.on(S.MESSAGE_NEW, (d) => this.apply(d.message, true));
    s.on(S.CONVERSATION_UPDATE, (d) => this.setInfo(d.conversation));
    s.on(S.CONVERSATION_READ, (d) => {
      const c = this.conv(d.conversation_id);
      if (c.info) c.info[d.reader === "visitor" ? "visitor_read_seq" : "agent_read_seq"] = d.seq;
      this.changed();
    });
    s.on(S.TYPING_UPDATE, (d) => {
      const c = this.conv(d.conversation_id);
      c.typing = d.typing && d.author_kind !== "visitor" ? Date.now() : 0;
      this.changed();
      if (c.typing) setTimeout(() => this.changed(), 6100);
    });
    s.on(S.PLUGIN_EVENT, (d) => this.pluginListeners.forEach((fn) => fn(d)));
    // an admin toggled or configured a plugin: ask again, spread over a moment (every widget hears it)
    s.on(S.FEATURES_CHANGED, (d) => setTimeout(() => this.refreshFeatures(d.revision), 200 + Math.random() * 1500));
    s.on(S.SESSION_REVOKED, () => this.renew());
    // an agent came online or the last one left: the banner follows (docs/protocol.md)
    s.on(S.AVAILABILITY_UPDATE, (d) => this.changed((this.settings.availability = d.availability)));
  }

  auth() {
    return { site_key: this.boot.site_key, visitor_token: this.session.visitor_token };
  }

  online() {
    return this.socket && this.socket.connected && navigator.onLine !== false;
  }

  call(event, data) {
    return new Promise((resolve) => {
      if (!this.online()) return resolve({ ok: false, error: { code: "offline" } });
      this.socket.timeout(10000).emit(event, data, (err, ack) =>
        resolve(err ? { ok: false, error: { code: "timeout" } } : ack || { ok: false, error: {} }),
      );
    });
  }

  async onConnect() {
    this.status = "online";
    this.changed();
    const list = await this.call(C.CONVERSATION_LIST, {});
    if (list.ok) {
      list.conversations.forEach((c) => this.setInfo(c, true));
      this.conversations.sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
      const open = list.conversations.find((c) => c.status !== "closed");
      if (this.pick && this.current == null && open) this.select(open.id);
      this.pick = false;
      for (const c of list.conversations) {
        if (c.id === this.current || c.last_seq > c.visitor_read_seq || this.convs[c.id].messages.length) await this.sync(c.id);
      }
    }
    this.flush();
    this.track();
    this.refreshFeatures();
    this.changed();
  }

  setInfo(info, quiet) {
    const c = this.conv(info.id);
    c.info = { ...c.info, ...info };
    const i = this.conversations.findIndex((x) => x.id === info.id);
    if (i < 0) this.conversations.unshift(c.info);
    else this.conversations[i] = c.info;
    if (!quiet) this.changed();
  }

  async sync(id) {
    const c = this.conv(id);
    if (c.syncing) return (c.again = true);
    c.syncing = true;
    let more = true;
    while (more) {
      c.again = false;
      const ack = await this.call(C.CONVERSATION_SYNC, { conversation_id: id, after_seq: c.last });
      if (!ack.ok) break;
      this.setInfo(ack.conversation, true);
      ack.messages.forEach((m) => this.apply(m, false));
      more = ack.resync_required || c.again;
    }
    c.syncing = false;
    this.changed();
  }

  // the seq rule: drop seq <= last, apply last + 1, fetch the gap on a jump
  apply(m, live) {
    const c = this.conv(m.conversation_id);
    if (m.client_msg_id && m.author_kind === "visitor") this.unqueue(m.client_msg_id);
    if (m.seq <= c.last) return;
    if (m.seq > c.last + 1) {
      this.sync(m.conversation_id);
      return;
    }
    c.messages.push(m);
    c.last = m.seq;
    if (c.info && c.info.last_seq < m.seq) c.info.last_seq = m.seq;
    if (m.author_kind !== "visitor") c.typing = 0;
    if (this.current == null && m.author_kind === "visitor") this.select(m.conversation_id);
    if (live) {
      if (!c.info) this.sync(m.conversation_id);
      this.onMessage && this.onMessage(m);
    }
    this.changed();
  }

  // what proactive rules read: time on page, scroll depth, the host page's custom events
  pageEvent(name) {
    if (!this.page.events.includes(name)) this.page.events.push(name);
    if (this.checkRules) this.checkRules();
  }

  async refreshFeatures(revision) {
    const ack = await this.call(C.WIDGET_FEATURES, { revision: revision || this.features.revision, locale: this.locale });
    if (ack.ok) this.features.set(ack.features);
  }

  select(id) {
    this.current = id;
    this.db.set("current", id);
    if (id != null && this.online() && !this.conv(id).messages.length) this.sync(id);
    this.changed();
  }

  unqueue(clientMsgId) {
    const before = this.outbox.length;
    this.outbox = this.outbox.filter((o) => o.client_msg_id !== clientMsgId);
    if (this.outbox.length !== before) this.db.set("outbox", this.outbox);
  }

  send(text, blocks) {
    const item = { client_msg_id: newId(), conversation_id: this.current, text: text || "", created_at: new Date().toISOString() };
    if (blocks) item.blocks = blocks;
    this.outbox.push(item);
    this.db.set("outbox", this.outbox);
    this.error = null;
    this.changed();
    this.flush();
  }

  // one message at a time, in order; a message is retried until acknowledged (the server
  // de-duplicates by client_msg_id), dropped only when refused
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    while (this.outbox.length && this.online()) {
      const item = this.outbox[0];
      const payload = { client_msg_id: item.client_msg_id, text: item.text };
      if (item.conversation_id != null) payload.conversation_id = item.conversation_id;
      if (item.blocks) payload.blocks = item.blocks;
      const ack = await this.call(C.MESSAGE_SEND, payload);
      if (ack.ok) {
        this.unqueue(item.client_msg_id);
        this.setInfo(ack.conversation, true);
        if (item.conversation_id == null) {
          this.outbox.forEach((o) => {
            if (o.conversation_id == null) o.conversation_id = ack.conversation.id;
          });
          this.db.set("outbox", this.outbox);
          if (this.current == null) this.select(ack.conversation.id);
        }
        this.apply(ack.message, false);
      } else if (ack.error.code === "timeout" || ack.error.code === "offline") {
        break;
      } else if (ack.error.code === "rate_limited") {
        // wait as long as the server says (a refused retry is not counted, so this is enough)
        const wait = Number(ack.error.retry_after_ms) || 3000;
        await new Promise((r) => setTimeout(r, Math.min(Math.max(wait, 250), 60000)));
      } else {
        // refused: its text goes back to the composer (`refused`) with the error code
        this.unqueue(item.client_msg_id);
        this.error = ack.error.code || "error";
        this.note = null;
        this.refused = item.text;
        this.changed();
      }
    }
    this.flushing = false;
    if (this.outbox.length && this.online()) setTimeout(() => this.flush(), 2000);
  }

  pending() {
    return this.outbox.filter((o) => o.conversation_id === this.current);
  }

  unread() {
    let n = this.visible ? 0 : (this.proactive || []).filter((p) => !p.seen).length;
    Object.values(this.convs).forEach((c) => {
      const read = c.info ? c.info.visitor_read_seq : 0;
      c.messages.forEach((m) => {
        if (m.seq > read && m.author_kind !== "visitor") n++;
      });
    });
    return n;
  }

  markRead() {
    if (this.visible) (this.proactive || []).forEach((p) => (p.seen = true));
    const c = this.current != null && this.convs[this.current];
    if (!c || !c.info || !this.visible || c.last <= c.info.visitor_read_seq) return;
    c.info.visitor_read_seq = c.last;
    this.call(C.CONVERSATION_READ_SET, { conversation_id: c.id, seq: c.last });
  }

  typing(on) {
    if (this.current == null || !this.online()) return;
    const now = Date.now();
    if (on && now - (this.typedAt || 0) < 3000) return;
    if (!on && !this.typedAt) return;
    this.typedAt = on ? now : 0;
    this.call(C.TYPING_SET, { conversation_id: this.current, typing: on });
  }

  async close() {
    const ack = await this.call(C.CONVERSATION_CLOSE, { conversation_id: this.current });
    if (ack.ok) this.setInfo(ack.conversation);
    else this.fail(ack.error);
  }

  // kept in memory (at most 50) until the frame has a connection: a new visitor's arrive when
  // they open the chat; never sent for one who does not (no connection is opened for them)
  track(name, properties) {
    if (name && this.tq.length < 50) this.tq.push({ name, properties: properties || {} });
    while (this.online() && this.tq.length) this.call(C.WIDGET_TRACK, this.tq.shift());
  }

  // an error with a code is shown by its code (the server's message is for developers); one
  // without a code comes from the widget's own strings (a feature chunk's) and is shown as is
  fail(error) {
    this.error = (error && error.code) || "error";
    this.note = error && !error.code ? error.message : null;
    this.changed();
  }
}

// The chat app served in Chinwag's iframe (/widget/frame/<site>) and on the full-page chat
// (/chat/<site>). Talks to the loader over postMessage with exact origin checks both ways.
import { render } from "preact";
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import { Block } from "./blocks.jsx";
import { Client } from "./client.js";
import { dir, lang, translator } from "./i18n.js";
import { Markdown } from "./markdown.jsx";
import { checkPreview } from "./preview.js";
import { PREFIX } from "./protocol.js";

const boot = JSON.parse(document.getElementById("chinwag-boot").textContent);
const framed = boot.mode === "frame";
const client = new Client(boot);
let locale = boot.locale || boot.settings.locale;
if (locale === "auto") locale = navigator.language;
client.locale = locale;
let isOpen = (client.opened = !framed);

function toHost(kind, data) {
  if (framed || boot.preview) parent.postMessage({ type: PREFIX + kind, ...data }, framed ? boot.host : location.origin);
}

// relative luminance contrast (WCAG 2.x); a brand/text pair that fails 4.5:1 falls back to black or white text
function lum(hex) {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
function contrast(a, b) {
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

function applyTheme(s) {
  const root = document.documentElement;
  const text = contrast(s.brand_color, s.text_color) >= 4.5 ? s.text_color : contrast(s.brand_color, "#000000") >= 4.5 ? "#000000" : "#ffffff";
  root.style.setProperty("--cw-brand", s.brand_color);
  root.style.setProperty("--cw-on-brand", text);
  root.style.setProperty("--cw-font", s.font_family);
  root.style.setProperty("--cw-radius", s.corner_radius + "px");
  root.dataset.theme = s.theme;
  root.lang = locale;
  root.dir = dir(locale);
}

function time(iso) {
  try {
    return new Intl.DateTimeFormat(lang(locale), { hour: "numeric", minute: "2-digit" }).format(new Date(iso));
  } catch (e) {
    return "";
  }
}

function Message({ m, t, act, pending, seen }) {
  const F = client.features;
  const mine = m.author_kind === "visitor";
  const who = mine ? t("you") : m.author_name || client.settings.team_name;
  return (
    <li class={"cw-msg " + (mine ? "cw-mine" : "cw-theirs") + (pending ? " cw-pending" : "")}>
      <span class="cw-sr">{who}: </span>
      {m.text && <div class="cw-text"><Markdown text={m.text} /></div>}
      {(m.blocks || []).map((b) => (
        <Block block={b} act={act} t={t} />
      ))}
      <span class="cw-meta">
        {pending ? t("sending") : <time dateTime={m.created_at}>{time(m.created_at)}</time>}
        {seen && " · " + t("seen")}
      </span>
      {!pending && F.slot("UnderMessage", { m, t })}
    </li>
  );
}

function Prechat({ t, s, onDone }) {
  const [err, setErr] = useState("");
  const first = useRef();
  useEffect(() => isOpen && first.current && first.current.focus(), []);
  const submit = (e) => {
    e.preventDefault();
    if (boot.preview) return;
    const f = e.target.elements;
    const extra = {};
    if (s.prechat_form) {
      extra.name = f.name.value.trim();
      extra.email = f.email.value.trim();
    }
    if (s.consent_required) extra.consent_version = s.consent_version || "1";
    setErr("");
    client.startSession(extra).then(onDone, (x) => setErr(x.message || t("unavailable")));
  };
  return (
    <form class="cw-prechat" onSubmit={submit} aria-labelledby="cw-pre-title">
      <h2 id="cw-pre-title">{t("prechat")}</h2>
      {s.prechat_form && [
        <label for="cw-name">{t("name")}</label>,
        <input id="cw-name" name="name" autocomplete="name" ref={first} />,
        <label for="cw-email">{t("email")}</label>,
        <input id="cw-email" name="email" type="email" autocomplete="email" />,
      ]}
      {s.consent_required && (
        <div class="cw-consent">
          <Markdown text={s.consent_text} />
          <input id="cw-consent" name="consent" type="checkbox" required ref={s.prechat_form ? undefined : first} />
          <label for="cw-consent">{t("consent")}</label>
        </div>
      )}
      {err && <p class="cw-error" role="alert">{err}</p>}
      <button type="submit" class="cw-primary">{t("start")}</button>
    </form>
  );
}

function App() {
  const [, redraw] = useReducer((n) => n + 1, 0);
  const [view, setView] = useState("chat");
  const [draft, setDraft] = useState("");
  const input = useRef();
  const F = client.features;
  useEffect(() => {
    client.onChange(redraw);
    window.__chinwagFocus = () => {
      const el = document.querySelector(".cw-prechat input, .cw-prechat button") || input.current;
      if (el) el.focus();
    };
    window.__chinwagSetDraft = setDraft;
  }, []);
  useEffect(() => {
    client.markRead();
    toHost("unread", { count: client.unread() });
  });

  const t = translator(locale);
  const s = client.settings;
  const needForm = !client.hasSession() && (s.prechat_form || s.consent_required);
  const c = client.current != null ? client.conv(client.current) : null;
  const closed = c && c.info && c.info.status === "closed";
  const act = {
    send: (text) => client.send(text),
    rated: (id) => client.ratings[client.current + ":" + id],
    rate: (id, value, scale) => {
      client.ratings[client.current + ":" + id] = value;
      client.db.set("ratings", client.ratings);
      client.track("rating.submitted", { rating_id: id, value, scale, conversation_id: client.current });
      client.changed();
    },
  };
  const submit = (e) => {
    e.preventDefault();
    const text = draft.trim();
    if (!text) return;
    client.send(text);
    client.typing(false);
    setDraft("");
  };
  const slot = { t, draft, setDraft, input, view, setView };
  const tabs = F.slot("Tab", slot);
  const lastMine = c ? [...c.messages].reverse().find((m) => m.author_kind === "visitor") : null;
  const seenSeq = lastMine && c.info && c.info.agent_read_seq >= lastMine.seq ? lastMine.seq : -1;
  const typing = c && c.typing && Date.now() - c.typing < 6000;

  return (
    <div class="cw-panel">
      <header class="cw-head">
        {s.avatar_url && <img class="cw-avatar" src={s.avatar_url} alt="" />}
        <h1>{s.team_name}</h1>
        {client.hasSession() && (
          <button type="button" class="cw-hbtn" onClick={() => setView(view === "list" ? "chat" : "list")}>
            {view === "list" ? t("back") : t("list")}
          </button>
        )}
        {framed && (
          <button type="button" class="cw-hbtn cw-x" aria-label={t("close")} onClick={() => toHost("close")}>
            <span aria-hidden="true">×</span>
          </button>
        )}
      </header>
      {client.status === "unavailable" && !needForm && <p class="cw-banner" role="alert">{t("unavailable")} {client.error}</p>}
      {client.status === "offline" && <p class="cw-banner" role="status">{t("offline")}</p>}
      {client.status === "connecting" && client.hasSession() && <p class="cw-banner" role="status">{t("reconnecting")}</p>}
      {tabs.length > 0 && !needForm && (
        <nav class="cw-tabs" aria-label={t("sections")}>
          <button type="button" aria-current={view === "chat" ? "page" : undefined} onClick={() => setView("chat")}>{t("messages")}</button>
          {tabs}
        </nav>
      )}
      {needForm ? (
        <Prechat t={t} s={s} onDone={() => window.__chinwagFocus()} />
      ) : view !== "chat" && view !== "list" ? (
        F.slot("Panel", slot)
      ) : view === "list" ? (
        <nav class="cw-list" aria-label={t("list")}>
          <button type="button" class="cw-primary" onClick={() => (client.select(null), setView("chat"))}>{t("newConv")}</button>
          {client.conversations.length ? (
            <ul>
              {client.conversations.map((x) => (
                <li>
                  <button type="button" aria-current={x.id === client.current ? "true" : undefined} onClick={() => (client.select(x.id), setView("chat"))}>
                    {t("conv", { n: x.id })} · {x.status === "closed" ? t("closed") : t("open")} · {time(x.updated_at)}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p>{t("none")}</p>
          )}
        </nav>
      ) : (
        [
          <div class="cw-log" role="log" aria-live="polite" aria-label={t("messages")} tabIndex={0}><ol>
            {s.greeting && (
              <li class="cw-msg cw-theirs">
                <div class="cw-text"><Markdown text={s.greeting} /></div>
              </li>
            )}
            {F.slot("InLog", slot)}
            {c && c.messages.map((m) => <Message m={m} t={t} act={act} seen={m.seq === seenSeq} />)}
            {client.pending().map((m) => <Message m={{ ...m, author_kind: "visitor" }} t={t} act={act} pending />)}
          </ol></div>,
          typing ? <p class="cw-typing" role="status">{t("typing", { name: s.team_name })}</p> : null,
          F.slot("Cards", slot),
          closed ? (
            <div class="cw-ended">
              <p>{t("ended")}</p>
              <button type="button" class="cw-primary" onClick={() => client.select(null)}>{t("newConv")}</button>
            </div>
          ) : null,
          client.error ? <p class="cw-error" role="alert">{t("failed", { error: client.error })}</p> : null,
          F.slot("AboveComposer", slot),
          closed ? null : (
            <form class="cw-compose" onSubmit={submit}>
              <label for="cw-input" class="cw-sr">{t("message")}</label>
              <textarea id="cw-input" ref={input} rows={1} value={draft} placeholder={s.placeholder} {...F.attrs}
                onInput={(e) => (setDraft(e.target.value), client.typing(true))}
                onBlur={() => client.typing(false)}
                onKeyDown={(e) => F.keys.some((fn) => fn(e)) || (e.key === "Enter" && !e.shiftKey && submit(e))} />
              {F.slot("ComposerTools", slot)}
              <button type="submit" class="cw-icon cw-send" aria-label={t("send")}>
                <span aria-hidden="true">➤</span>
              </button>
            </form>
          ),
          c && c.info && !closed && client.hasSession() ? (
            <button type="button" class="cw-end" onClick={() => client.close()}>{t("end")}</button>
          ) : null,
        ]
      )}
    </div>
  );
}

function ensureStarted() {
  if (boot.preview || client.socket || client.status === "unavailable") return;
  if (client.hasSession()) client.connect();
  else if (!(client.settings.prechat_form || client.settings.consent_required)) client.startSession({}).catch(() => {});
}

// a verified visitor whose session ran out, and no identity came: the host's user logged out
client.onLoggedOut = () => {
  client.forget(true);
  ensureStarted();
};

client.onMessage = (m) => {
  if (m.author_kind !== "visitor") toHost("message", { message: { id: m.id, conversation_id: m.conversation_id, text: m.text, author_kind: m.author_kind } });
};

function setVisible(v) {
  client.visible = v && document.visibilityState === "visible";
  client.changed();
}

// what the host page may ask (the loader forwards Chinwag(cmd, a, b) as {cmd, a, b})
const hostCommands = {
  identify(a) {
    client.identity = (a && typeof a.token === "string" && a.token) || null;
    if (client.hasSession()) client.startSession({}).catch(() => {});
  },
  reset() {
    client.identity = null;
    client.forget(true);
    if (isOpen) ensureStarted();
  },
  track(name, props) {
    if (typeof name !== "string") return;
    client.track(name, props && typeof props === "object" ? props : {});
    client.pageEvent(name);
  },
  setLocale(l) {
    if (typeof l !== "string") return;
    locale = client.locale = l;
    applyTheme(client.settings);
    client.changed();
  },
  prefill(text) {
    window.__chinwagSetDraft && window.__chinwagSetDraft(String(text));
  },
  send(text) {
    if (String(text).trim()) client.send(String(text));
  },
};

const commands = {
  open(m) {
    isOpen = client.opened = true;
    client.context = { page_url: m.page_url, referrer: m.referrer };
    client.page.url = m.page_url;
    if (client.waiting) client.onLoggedOut();
    else ensureStarted();
    setVisible(true);
    setTimeout(() => window.__chinwagFocus && window.__chinwagFocus());
  },
  close() {
    isOpen = false;
    setVisible(false);
  },
  cmd(m) {
    if (Object.prototype.hasOwnProperty.call(hostCommands, m.cmd)) hostCommands[m.cmd](m.a, m.b);
  },
};

window.addEventListener("message", (e) => {
  if (!framed || e.origin !== boot.host || e.source !== parent) return;
  const m = e.data;
  if (!m || typeof m.type !== "string" || m.type.indexOf(PREFIX) !== 0) return;
  const kind = m.type.slice(PREFIX.length);
  if (Object.prototype.hasOwnProperty.call(commands, kind)) commands[kind](m);
});
// live preview (?preview=1): unsaved settings from Chinwag's own pages (the admin's designer),
// checked like saved ones, laid over the site's saved settings, never stored or sent anywhere
window.addEventListener("message", (e) => {
  const m = e.data;
  if (!boot.preview || e.origin !== location.origin || e.source !== parent || !m || m.type !== PREFIX + "preview") return;
  const { settings, rejected } = checkPreview(boot.preview, m.settings);
  client.settings = { ...boot.settings, ...settings };
  locale = client.locale = client.settings.locale === "auto" ? navigator.language : client.settings.locale;
  applyTheme(client.settings);
  client.changed();
  toHost("previewed", { rejected });
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && framed) toHost("close");
});
document.addEventListener("visibilitychange", () => setVisible(isOpen));
window.addEventListener("offline", () => {
  if (client.socket) client.socket.disconnect();
  client.status = "offline";
  client.changed();
});
window.addEventListener("online", () => {
  if (client.socket) {
    client.status = "connecting";
    client.socket.connect();
  }
  client.changed();
});

applyTheme(client.settings);
render(<App />, document.getElementById("chinwag"));
if (!framed || client.hasSession()) ensureStarted();
if (!framed) setVisible(true);
toHost("ready");

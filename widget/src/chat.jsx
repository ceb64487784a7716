// The chat app served in Chinwag's iframe (/widget/frame/<site>) and on the full-page chat
// (/chat/<site>). Talks to the loader over postMessage with exact origin checks both ways.
import { render } from "preact";
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import { follow, keepFocus } from "./a11y.js";
import { Block } from "./blocks.jsx";
import { Client } from "./client.js";
import { dir, load, setStrings, translator } from "./i18n.js";
import { Markdown } from "./markdown.jsx";
import { PREFIX } from "./protocol.js";

const boot = JSON.parse(document.getElementById("chinwag-boot").textContent);
const framed = boot.mode === "frame";
const client = new Client(boot);
let locale = boot.locale || boot.settings.locale;
if (locale === "auto") locale = navigator.language;
client.locale = locale;
let isOpen = (client.opened = !framed);
let openedAt;
let notes;
// opening asks for focus; it is given after the render that shows the input (on a busy machine
// "open" can arrive before the first render's effects ran), and dropped once focus is inside
let wantFocus;
const focusIn = () => {
  const el =
    document.querySelector(".cw-prechat input, .cw-prechat button") ||
    document.getElementById("cw-input");
  if (wantFocus && el && el.getClientRects().length) {
    el.focus();
    wantFocus = 0;
  }
};
document.addEventListener("focusin", () => (wantFocus = 0));
setStrings(boot.strings);

// error codes visitors can act on get their own sentence; any other reads "Not sent" (the
// server's message is for developers and in English)
const ERRORS = { text_too_long: "tooLong", identity_required: "login", network: "network" };
const errorText = (t, code, other) => t(ERRORS[code] || other || "notSent", { max: boot.max_chars });
const Icon = ({ d }) => (
  <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <path d={d} />
  </svg>
);

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
  root.dir = dir();
}

// the greeting in the visitor's language, re-picked on setLocale: a `greetings` line ("pt-BR: Oi!")
// for the exact locale, then for its language, else `greeting`
function greet(s) {
  const l = locale.toLowerCase().replace("_", "-");
  for (const c of [l, l.split("-")[0]]) for (const x of s.greetings || []) if (x.split(":")[0].toLowerCase() == c) return x.slice(c.length + 1).trim();
  return s.greeting;
}

function time(iso) {
  try {
    return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" }).format(new Date(iso));
  } catch (e) {
    return "";
  }
}

// one <li> per message from "Sending…" to sent (keyed by client_msg_id), so the log announces it once
function Message({ m, t, act, pending, seen, said }) {
  const F = client.features;
  const mine = m.author_kind === "visitor";
  // a button's answer reads as its label ("Yes, refund me"), not its value ("refund_yes")
  const text = (mine && said && said[m.text]) || m.text;
  const who = mine ? t("you") : m.author_name || client.settings.team_name;
  // an agent's avatar (or initials) beside their name; the name is the text read out, once
  const av = m.author_avatar_url;
  return (
    <li class={"cw-msg " + (mine ? "cw-mine" : "cw-theirs") + (pending ? " cw-pending" : "")}>
      <span class={mine ? "cw-sr" : "cw-who"}>
        {m.author_kind == "agent" &&
          (av ? <img class="cw-av" src={av} alt="" /> : <span class="cw-av" aria-hidden="true">{who.split(/\s+/).map((w) => w[0]).join("").slice(0, 2)}</span>)}
        {who}
        <span class="cw-sr">: </span>
      </span>
      {text && <div class="cw-text" dir="auto"><Markdown text={text} /></div>}
      {(m.blocks || []).map((b) => (
        <Block block={b} act={{ ...act, id: m.id }} t={t} />
      ))}
      <span class="cw-meta">
        <time dateTime={pending ? undefined : m.created_at}>{pending ? t("sending") : time(m.created_at)}</time>
        <span>{seen ? " · " + t("seen") : ""}</span>
      </span>
      {!pending && F.slot("UnderMessage", { m, t })}
    </li>
  );
}

// checked by the widget, not by the browser's bubbles: each error is text tied to its field
// (aria-invalid, aria-describedby) and focus moves to the first one
function Prechat({ t, s, onDone }) {
  const [err, setErr] = useState("");
  const [bad, setBad] = useState({});
  const first = useRef();
  const F = client.features;
  useEffect(() => isOpen && first.current && first.current.focus(), []);
  const submit = (e) => {
    e.preventDefault();
    if (boot.preview) return;
    const f = e.target.elements;
    const wrong = {};
    const extra = {};
    if (s.prechat_form && !f.email.checkValidity()) wrong.email = t("emailInvalid");
    // the consent boxes are the consent chunk's (features/consent.jsx): it checks them and says
    // what to send; without it no chat starts on a site that needs consent
    const [c] = F.of("consent");
    if (s.consent_required) {
      if (!c) return setErr(t("unavailable"));
      c[1].check(c[0], f, wrong, extra, s, t);
    }
    setBad(wrong);
    const k = Object.keys(wrong)[0];
    if (k) return f[k].focus();
    if (s.prechat_form) {
      extra.name = f.name.value.trim();
      extra.email = f.email.value.trim();
    }
    setErr("");
    client.startSession(extra).then(onDone, (x) => setErr(errorText(t, x.message, "unavailable")));
  };
  const aria = (k, more) => ({
    "aria-invalid": bad[k] ? "true" : undefined,
    "aria-describedby": [more, bad[k] && "cw-" + k + "-err"].filter(Boolean).join(" ") || undefined,
  });
  const note = (k) => bad[k] && <p id={"cw-" + k + "-err"} class="cw-error">{bad[k]}</p>;
  return (
    <form class="cw-prechat" onSubmit={submit} aria-labelledby="cw-pre-title" noValidate>
      <h2 id="cw-pre-title">{t("prechat")}</h2>
      {s.prechat_form && [
        <label for="cw-name">{t("name")}</label>,
        <input id="cw-name" name="name" autocomplete="name" dir="auto" ref={first} />,
        <label for="cw-email">{t("email")}</label>,
        <input id="cw-email" name="email" type="email" autocomplete="email" {...aria("email")} />,
        note("email"),
      ]}
      {s.consent_required && (
        <div class="cw-consent">
          <div id="cw-consent-text" class="cw-note"><Markdown text={s.consent_text} /></div>
          {F.slot("Prechat", { t, s, aria, note })}
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
  const [ask, setAsk] = useState(false);
  const input = useRef();
  const F = client.features;
  useEffect(focusIn);
  useEffect(() => {
    // and draw once now: a change before this effect ran (a feature chunk that arrived while
    // the frame was hidden and its effects waited) would be lost
    client.onChange(redraw);
    redraw();
    window.__chinwagSetDraft = setDraft;
  }, []);
  useEffect(() => {
    client.markRead();
    toHost("unread", { count: client.unread() });
    // a refused message comes back to the composer instead of being lost
    if (client.refused) {
      if (!draft) setDraft(client.refused);
      client.refused = null;
    }
    keepFocus();
    follow(document.querySelector(".cw-log"), focusIn);
    // the notices said as the chat starts (notices.js): fetched once the visitor opens the chat
    if (notes || (framed && isOpen)) (notes = notes || import("./notices.js")).then((m) => m.notices(framed && isOpen));
  });

  const t = translator(locale);
  const s = client.settings;
  const needForm = !client.hasSession() && (s.prechat_form || s.consent_required);
  const c = client.current != null ? client.conv(client.current) : null;
  const closed = c && c.info && c.info.status === "closed";
  const act = {
    send: (text, blocks) => client.send(text, blocks),
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
  const msgs = c ? c.messages : [];
  const lastMine = [...msgs].reverse().find((m) => m.author_kind === "visitor");
  // chips and buttons of messages the visitor has answered since are spent
  const answered = msgs.lastIndexOf(lastMine);
  const spent = { ...act, used: true };
  const said = {};
  msgs.forEach((m) => (m.blocks || []).forEach((b) => (b.buttons || []).forEach((x) => x.value && (said[x.value] = x.label))));
  // the browser's own word wins: a session start or reconnect that ends while offline never
  // hides "You are offline" behind "Loading…" or an error
  const status = navigator.onLine === false ? "offline" : client.status;
  const down = status === "unavailable" && !client.hasSession();
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
            <Icon d={boot.icons.close} />
          </button>
        )}
      </header>
      {/* one polite region present from the start: a banner that comes (the availability, with
          the session) is an addition to it, which is announced; a region made with its text is not */}
      <div class="cw-banners" role="status">
        {s.availability && <p class="cw-banner cw-avail">{t(s.availability == "away" ? "avail_away" : "avail_online")}</p>}
        {status === "starting" && <p class="cw-banner">{t("loading")}</p>}
        {status === "offline" && <p class="cw-banner">{t("offline")}</p>}
        {status === "connecting" && client.hasSession() && <p class="cw-banner">{t("reconnecting")}</p>}
      </div>
      <p id="cw-notice" class="cw-sr" role="status" />
      {status === "unavailable" && !needForm && (
        <div class="cw-banner" role="alert">
          {errorText(t, client.sessionError, "unavailable")}{" "}
          {client.sessionError !== "identity_required" && (
            <button type="button" class="cw-hbtn" onClick={() => client.startSession({}).catch(() => {})}>{t("retry")}</button>
          )}
        </div>
      )}
      {tabs.length > 0 && !needForm && (
        <nav class="cw-tabs" aria-label={t("sections")}>
          <button type="button" aria-current={view === "chat" ? "page" : undefined} onClick={() => setView("chat")}>{t("messages")}</button>
          {tabs}
        </nav>
      )}
      {needForm ? (
        <Prechat t={t} s={s} onDone={() => client.changed()} />
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
          <div class="cw-log" role="log" aria-live="polite" aria-relevant="additions" aria-label={t("messages")} tabIndex={0}><ol>
            {greet(s) && (
              <li class={"cw-msg cw-theirs" + (msgs.length ? "" : " cw-note")}>
                <div class="cw-text" dir="auto"><Markdown text={greet(s)} /></div>
              </li>
            )}
            {F.slot("InLog", slot)}
            {[
              ...msgs.map((m, i) => <Message key={m.client_msg_id || m.id} m={m} t={t} act={i < answered ? spent : act} seen={m.seq === seenSeq} said={said} />),
              ...client.pending().map((m) => <Message key={m.client_msg_id} m={{ ...m, author_kind: "visitor" }} t={t} act={act} said={said} pending />),
            ]}
          </ol></div>,
          typing ? <p class="cw-typing" role="status">{t("typing", { name: (c.info && c.info.agent_name) || s.team_name })}</p> : null,
          F.slot("Cards", slot),
          <p class="cw-ended" role="status">{closed ? t("ended") : ""}</p>,
          closed ? <button type="button" class="cw-primary cw-new" onClick={() => client.select(null)}>{t("newConv")}</button> : null,
          client.error ? <p id="cw-err" class="cw-error" role="alert">{client.note || errorText(t, client.error)}</p> : null,
          F.slot("AboveComposer", slot),
          closed || down ? null : (
            <form class="cw-compose" onSubmit={submit}>
              <label for="cw-input" class="cw-sr">{t("message")}</label>
              <textarea id="cw-input" ref={input} rows={1} value={draft} placeholder={s.placeholder} dir="auto" maxLength={boot.max_chars} {...F.attrs}
                aria-invalid={client.error ? "true" : undefined} aria-describedby={client.error ? "cw-err" : undefined}
                onInput={(e) => (setDraft(e.target.value), (client.error = null), client.typing(true))}
                onBlur={() => client.typing(false)}
                onKeyDown={(e) => F.keys.some((fn) => fn(e)) || (e.key === "Enter" && !e.shiftKey && submit(e))} />
              {F.slot("ComposerTools", slot)}
              <button type="submit" class="cw-icon cw-send" aria-label={t("send")}>
                <Icon d={boot.icons.send} />
              </button>
            </form>
          ),
          c && c.info && !closed && client.hasSession() ? (
            ask ? (
              <div class="cw-ask" role="group" aria-labelledby="cw-ask">
                <p id="cw-ask">{t("endAsk")}</p>
                <button type="button" class="cw-hbtn" onClick={() => setAsk(false)}>{t("endNo")}</button>
                <button type="button" class="cw-primary" onClick={() => (setAsk(false), client.close())}>{t("endYes")}</button>
              </div>
            ) : (
              <button type="button" class="cw-end" onClick={() => setAsk(true)}>{t("end")}</button>
            )
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

// another language: its strings come from the server, then the chat redraws in it
function relocale(l) {
  if (l === "auto") l = navigator.language;
  if (l === locale) return;
  locale = client.locale = l;
  client.refreshFeatures(); // the server stores it: plugin texts switch now
  load(l).then(() => {
    applyTheme(client.settings);
    client.changed();
  }, () => {});
}

function setVisible(v) {
  client.visible = v && document.visibilityState === "visible";
  client.changed();
}

// what the host page may ask (the loader forwards Chinwag(cmd, a, b) as {cmd, a, b})
const hostCommands = {
  identify(a) {
    client.identity = (a && typeof a.token === "string" && a.token) || null;
    if (client.hasSession() || client.sessionError) client.startSession({}).catch(() => {});
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
    if (typeof l === "string") relocale(l);
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
    openedAt = Date.now();
    client.track("opened", { unread: client.unread() });
    client.context = { page_url: m.page_url, referrer: m.referrer };
    client.page.url = m.page_url;
    if (client.waiting) client.onLoggedOut();
    else ensureStarted();
    setVisible(true);
    wantFocus = 1;
    setTimeout(focusIn);
  },
  close() {
    isOpen = wantFocus = false;
    client.track("closed", { seconds: (Date.now() - openedAt) / 1e3 });
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
// checked like saved ones, laid over the site's saved settings, never stored or sent anywhere.
// The checks are a lazy chunk (visitors never need them); one promise keeps messages in order
let checks;
window.addEventListener("message", (e) => {
  const m = e.data;
  if (!boot.preview || e.origin !== location.origin || e.source !== parent || !m || m.type !== PREFIX + "preview") return;
  (checks = checks || import("./preview.js")).then(({ checkPreview }) => {
    const { settings, rejected } = checkPreview(boot.preview, m.settings);
    client.settings = { ...boot.settings, ...settings };
    relocale(client.settings.locale);
    applyTheme(client.settings);
    client.changed();
    toHost("previewed", { rejected });
  });
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

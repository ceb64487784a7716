// The loader a site owner embeds: a shadow-DOM launcher shown as soon as the site's public
// settings arrive (/widget/config/<site>.js), the chat iframe created on first open or when the
// page is idle, and the queued `Chinwag(...)` command API. It sets no cookie, writes no storage
// and opens no socket. Kept under 2 KB gzip: strings, styles (launcher.css) and icons come with
// the site's config.
import { PREFIX } from "./protocol.js";

((w, d) => {
  const script = d.currentScript;
  if (!script || (w.Chinwag && w.Chinwag.loaded)) return;
  const key = script.dataset.site;
  const base = new URL(script.src).origin;
  const enc = encodeURIComponent;
  let queue = (w.Chinwag && w.Chinwag.q) || [];
  const handlers = {};
  const pending = [];
  let frame, ready, isOpen, opener, cfg, host, wrap, btn, panel, badge, locale, path, live, text;
  let unread = 0;
  const warn = (why) => console.warn("Chinwag: " + why);
  const small = matchMedia("(max-width:480px)");

  const el = (tag, cls) => {
    const e = d.createElement(tag);
    e.className = cls || "";
    return e;
  };
  const fire = (name, data) => (handlers[name] || []).forEach((fn) => fn(data));
  const send = (msg) => frame.contentWindow.postMessage(msg, base);
  const post = (kind, data) => {
    const msg = { type: PREFIX + kind, ...data };
    ready ? send(msg) : pending.push(msg);
  };
  const lang = () => (cfg.labels[(locale || "").slice(0, 2)] ? locale.slice(0, 2) : "en");
  const labels = () => cfg.labels[lang()];
  // open, the launcher is a close control (its name and an × icon)
  const label = () => {
    const l = labels();
    wrap.lang = lang();
    btn.setAttribute("aria-expanded", !!isOpen);
    btn.setAttribute("aria-label", (isOpen ? l[1] : text || l[0]) + (unread ? ` (${unread} ${l[2]})` : ""));
    path.setAttribute("d", isOpen ? cfg.x : cfg.icon);
    badge.textContent = unread;
    badge.hidden = !unread || isOpen;
  };
  // full screen on a small screen, the panel is modal: the host page under it is inert
  const modal = () => {
    const on = isOpen && small.matches;
    for (const el of d.body.children) if (el != host && (on ? !el.inert : el.cw)) el.inert = el.cw = on;
  };

  const ensureFrame = () => {
    if (frame) return;
    frame = d.createElement("iframe");
    frame.title = labels()[3];
    frame.src = `${base}/widget/frame/${enc(key)}?host=${enc(location.origin)}${locale ? "&locale=" + enc(locale) : ""}`;
    panel.append(frame);
  };

  const setOpen = (open, refocus) => {
    if (open == !!isOpen) return;
    isOpen = open;
    ensureFrame();
    wrap.classList.toggle("o", open);
    label();
    modal();
    if (open) {
      // without a launcher (launcher_style hidden) focus goes back to the page's own button
      opener = d.activeElement;
      frame.focus();
      post("open", { page_url: location.href, referrer: d.referrer });
    } else {
      post("close");
      if (refocus && d.activeElement == host) (btn.getClientRects().length ? btn : opener).focus();
    }
    fire(open ? "open" : "close");
  };

  // show/hide rules arrive as regular expressions over location.href (compiled by the server);
  // re-checked by a slow poll so single-page-app navigations count, without touching history
  const matches = (res) => res.some((p) => RegExp(p).test(location.href));

  const start = (data) => {
    const s = data.settings;
    if (cfg) return;
    if (!data.origins.includes(location.origin)) return warn(location.origin + " is not an allowed origin of this site");
    cfg = data;
    locale = locale || (s.locale == "auto" ? navigator.language : s.locale);
    host = d.createElement("chinwag-widget");
    const root = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(data.css);
    root.adoptedStyleSheets = [sheet];
    wrap = el("div");
    const x = s.offset_x + "px";
    const left = s.position == "left";
    const vars = { b: s.brand_color, t: s.text_color, r: s.corner_radius + "px", y: s.offset_y + "px", L: left ? x : "auto", R: left ? "auto" : x };
    for (const k in vars) wrap.style.setProperty("--" + k, vars[k]);
    btn = el("button", "l");
    const ns = "http://www.w3.org/2000/svg";
    const svg = d.createElementNS(ns, "svg");
    path = d.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.append(path);
    badge = el("span");
    badge.setAttribute("aria-hidden", true);
    // launcher_style: icon, text (icon and the site's words), image, hidden (the site's own button
    // calls Chinwag('open'))
    const style = s.launcher_style;
    if (style == "image" && s.launcher_image_url) {
      const img = el("img");
      img.src = s.launcher_image_url;
      img.alt = "";
      btn.append(img);
    }
    btn.append(svg, badge);
    if (style == "text") {
      text = s.launcher_text;
      const b = el("b");
      b.textContent = text;
      btn.classList.add("x");
      btn.append(b);
    }
    wrap.classList.toggle("h", style == "hidden");
    live = el("p", "s");
    live.setAttribute("role", "status");
    btn.onclick = () => setOpen(!isOpen, 1);
    panel = el("div", "p");
    // Escape on the launcher closes the panel; every other key keeps its default (Enter and Space
    // press the button, Tab and Shift+Tab move on): an `onkeydown` returning false cancelled them
    wrap.addEventListener("keydown", (e) => e.key == "Escape" && isOpen && setOpen(false, 1));
    wrap.append(panel, btn, live);
    root.append(wrap);
    label();
    small.onchange = modal;
    // a host control that takes focus under the open panel (desktop) would be hidden by it: the
    // panel closes (the conversation stays; the launcher reopens it)
    d.addEventListener("focusin", (e) => {
      const r = e.target.getBoundingClientRect();
      const p = panel.getBoundingClientRect();
      isOpen && e.target != host && r.left >= p.left && r.right <= p.right && r.top >= p.top && r.bottom <= p.bottom && setOpen(false);
    });
    const check = () => (wrap.hidden = (data.show[0] && !matches(data.show)) || matches(data.hide));
    check();
    (data.show[0] || data.hide[0]) && setInterval(check, 500);
    d.body.append(host);
    (w.requestIdleCallback || setTimeout)(() => wrap.hidden || ensureFrame());
    queue.splice(0).forEach((args) => api(...args));
    fire("ready");
  };

  w.addEventListener("message", (e) => {
    const m = e.data;
    if (!frame || e.origin != base || e.source != frame.contentWindow || String(m && m.type).indexOf(PREFIX)) return;
    const kind = m.type.slice(PREFIX.length);
    if (kind == "ready") {
      ready = 1;
      pending.splice(0).forEach(send);
    } else if (kind == "close" || kind == "open") setOpen(kind == "open", 1);
    else if (kind == "unread") {
      unread = m.count | 0;
      label();
      fire("unread", unread);
    } else if (kind == "message") {
      // the chat is in a hidden panel: a live region of the host page reads a new message
      if (!isOpen) live.textContent = labels()[4] + " " + String(m.message.text || "").slice(0, 300);
      fire("message", m.message);
    } else if (kind == "dl") (w.dataLayer = w.dataLayer || []).push(m.push);
  });

  function api(cmd, a, b) {
    if (cmd == "_config") start(a);
    else if (cmd == "on") (handlers[a] = handlers[a] || []).push(b);
    else if (!cfg) queue.push(arguments);
    else if (cmd == "open" || cmd == "close" || cmd == "toggle") setOpen(cmd == "toggle" ? !isOpen : cmd == "open", 1);
    else {
      // identify, reset, track, setLocale, prefill, send: the chat frame interprets them
      if (cmd == "setLocale") {
        locale = a;
        label();
      }
      if (cmd == "prefill" || cmd == "send") setOpen(true);
      post("cmd", { cmd, a, b });
    }
  }
  api.loaded = 1;
  w.Chinwag = api;
  queue = queue.filter((args) => args[0] != "on" || api(...args));
  const cs = d.createElement("script");
  cs.src = `${base}/widget/config/${enc(key)}.js`;
  cs.onerror = () => warn(`no site "${key}" at ${base} (data-site?)`);
  d.head.append(cs);
})(window, document);

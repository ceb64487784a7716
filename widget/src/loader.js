// The loader a site owner embeds: a shadow-DOM launcher shown as soon as the site's public
// settings arrive (/widget/config/<site>.js), the chat iframe created on first open or when the
// page is idle, and the queued `Chinwag(...)` command API. It sets no cookie, writes no storage
// and opens no socket. Kept under 2 KB gzip: strings and icons come with the site's config.
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
  let frame, ready, isOpen, cfg, host, wrap, btn, panel, badge, locale, labelSets;
  let unread = 0;
  const CSS =
    ":host{all:initial}" +
    ".l{position:fixed;bottom:var(--y);right:var(--R);left:var(--L);width:56px;height:56px;border-radius:50%;border:0;padding:0;background:var(--b);color:var(--t);cursor:pointer;box-shadow:0 2px 12px #0005;z-index:2147483000}" +
    ".l:focus-visible{outline:3px solid #111;outline-offset:2px;box-shadow:0 0 0 6px #fff}" +
    "svg{width:28px;height:28px;fill:currentColor}" +
    "span{position:absolute;top:-4px;right:-4px;min-width:20px;border-radius:10px;background:#b00020;color:#fff;font:700 12px/20px sans-serif}" +
    ".p{position:fixed;bottom:calc(var(--y) + 68px);right:var(--R);left:var(--L);width:380px;height:min(640px,calc(100vh - var(--y) - 88px));border-radius:var(--r);overflow:hidden;box-shadow:0 8px 32px #0005;z-index:2147483000;display:none}" +
    ".o .p{display:block}" +
    "iframe{width:100%;height:100%;border:0}" +
    "@media (max-width:480px){.p{inset:0;width:auto;height:auto;border-radius:0}.o .l{display:none}}";

  const fire = (name, data) => (handlers[name] || []).forEach((fn) => fn(data));
  const send = (msg) => frame.contentWindow.postMessage(msg, base);
  const post = (kind, data) => {
    const msg = { type: PREFIX + kind, ...data };
    ready ? send(msg) : pending.push(msg);
  };
  const labels = () => labelSets[(locale || "").slice(0, 2)] || labelSets.en;
  const label = () => {
    const l = labels();
    btn.setAttribute("aria-label", (isOpen ? l[1] : l[0]) + (unread ? ` (${unread} ${l[2]})` : ""));
    badge.textContent = unread;
    badge.hidden = !unread || isOpen;
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
    btn.setAttribute("aria-expanded", open);
    label();
    if (open) {
      frame.focus();
      post("open", { page_url: location.href, referrer: d.referrer });
    } else {
      post("close");
      if (refocus && d.activeElement == host) btn.focus();
    }
    fire(open ? "open" : "close");
  };

  // show/hide rules arrive as regular expressions over location.href (compiled by the server);
  // re-checked by a slow poll so single-page-app navigations count, without touching history
  const matches = (res) => res.some((p) => RegExp(p).test(location.href));

  const start = (data) => {
    const s = data.settings;
    if (cfg || !data.origins.includes(location.origin)) return;
    cfg = s;
    labelSets = data.labels;
    locale = locale || (s.locale == "auto" ? navigator.language : s.locale);
    host = d.createElement("chinwag-widget");
    const root = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    wrap = d.createElement("div");
    const x = s.offset_x + "px";
    const left = s.position == "left";
    const vars = { b: s.brand_color, t: s.text_color, r: s.corner_radius + "px", y: s.offset_y + "px", L: left ? x : "auto", R: left ? "auto" : x };
    for (const k in vars) wrap.style.setProperty("--" + k, vars[k]);
    btn = d.createElement("button");
    btn.className = "l";
    btn.setAttribute("aria-expanded", false);
    const ns = "http://www.w3.org/2000/svg";
    const svg = d.createElementNS(ns, "svg");
    const path = d.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    path.setAttribute("d", data.icon);
    svg.append(path);
    badge = d.createElement("span");
    badge.setAttribute("aria-hidden", true);
    btn.append(svg, badge);
    btn.onclick = () => setOpen(!isOpen, 1);
    panel = d.createElement("div");
    panel.className = "p";
    // Escape on the launcher closes the panel; every other key keeps its default (Enter and Space
    // press the button, Tab and Shift+Tab move on): an `onkeydown` returning false cancelled them
    wrap.addEventListener("keydown", (e) => e.key == "Escape" && isOpen && setOpen(false, 1));
    wrap.append(panel, btn);
    root.append(wrap);
    label();
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
    if (!frame || e.origin != base || e.source != frame.contentWindow || typeof (m && m.type) != "string" || m.type.indexOf(PREFIX)) return;
    const kind = m.type.slice(PREFIX.length);
    if (kind == "ready") {
      ready = 1;
      pending.splice(0).forEach(send);
    } else if (kind == "close" || kind == "open") setOpen(kind == "open", 1);
    else if (kind == "unread") {
      unread = m.count | 0;
      label();
      fire("unread", unread);
    } else if (kind == "message") fire("message", m.message);
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
  d.head.append(cs);
})(window, document);

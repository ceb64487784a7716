// Focus and scrolling rules of the chat, applied after every render.
// Focus never falls to the frame's body: when the focused control leaves the page (the pre-chat
// form submitted, a conversation chosen, "New conversation", the conversation ended by either
// side, the question before ending it), focus moves to the first control of the new view that
// exists, in this order.
const TARGETS = [".cw-ask button", "#cw-input", ".cw-new", ".cw-list button", ".cw-log"];
let last = null;
document.addEventListener("focusin", (e) => (last = e.target));

export function keepFocus() {
  const a = document.activeElement;
  if (!last || last.isConnected || !document.hasFocus() || (a && a !== document.body)) return;
  for (const sel of TARGETS) {
    const el = document.querySelector(sel);
    if (el) return el.focus();
  }
}

// the log opens at the newest message and follows new ones unless the visitor has scrolled up
// (their scrolling, measured while the log is shown, says whether they are at the end): after
// every render, and whenever the log or its list changes size without one (the frame shown
// again after 0x0 while the panel was closed, or rendered hidden after a reload; an image loaded)
export function follow(log) {
  if (!log) return;
  if (!log.cwEnd) {
    log.cwEnd = 1;
    log.onscroll = () => log.clientHeight && (log.cwEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40 ? 1 : -1);
    const o = new ResizeObserver(() => follow(log));
    o.observe(log);
    o.observe(log.firstChild);
  }
  if (log.cwEnd > 0) log.scrollTop = log.scrollHeight;
}

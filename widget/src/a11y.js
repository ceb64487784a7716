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

// the log opens at the newest message and follows new ones, unless the visitor has scrolled up
// (away from where the last call left the bottom); called after every render, and whenever the
// log or its list changes size without one (an image loaded; the frame shown only after it
// handled "open", on a busy machine or after a reload: hidden, it measured 0 and lost its
// scrolling), which also gives focus asked for while hidden (`shown`)
export function follow(log, shown) {
  if (!log) return;
  if (!log.cwO) (log.cwO = new ResizeObserver(() => (follow(log), shown()))).observe(log), log.cwO.observe(log.firstChild);
  if (log.cwH == null || log.scrollTop + log.clientHeight >= log.cwH - 40) log.scrollTop = log.scrollHeight;
  log.cwH = log.scrollHeight;
}

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
// (away from where the last render left the bottom)
export function follow(log) {
  if (!log) return;
  if (log.cwH == null || log.scrollTop + log.clientHeight >= log.cwH - 40) log.scrollTop = log.scrollHeight;
  log.cwH = log.scrollHeight;
}

// Notices shown as the chat starts (the pre-chat form's consent text, "We're away", the greeting)
// were on the page while the frame was hidden, or came in a region made with them (the log after
// the pre-chat form): no screen reader reads those. So once the panel is open (a beat later: the
// region must be in the accessibility tree before its text changes), each is said once, politely,
// in one region present from the start; it is emptied on closing (no stale copy to browse).
// Banners changing while open are said by their own region (.cw-banners), not again here.
const told = new Set();
let at = 0; // 0 closed, 1 opening, 2 open
const fresh = (sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent.trim()).filter((x) => x && !told.has(x) && told.add(x));
export function notices(open) {
  const r = document.getElementById("cw-notice");
  if (!r) return;
  if (!open) return (at = 0), (r.textContent = "");
  const say = (x) => x.length && (r.textContent = x.join(" "));
  // (a banner that came while open was said by its region: it counts as told)
  if (at == 2) say(fresh(".cw-note")), fresh(".cw-avail");
  else if (!at) {
    at = 1;
    setTimeout(() => at == 1 && ((at = 2), say(fresh(".cw-avail, .cw-note"))), 300);
  }
}

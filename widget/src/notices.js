// A lazy chunk of the chat (fetched on the first opening; the chat bundle is at its budget).
// Notices shown as the chat starts (the pre-chat form's consent text, "We're away", the greeting)
// were on the page while the frame was hidden, or came in a region made with them (the log after
// the pre-chat form): no screen reader reads those. So once the panel is open (a beat later: the
// region must be in the accessibility tree before its text changes), each is said once, politely,
// in one region present from the start; it is emptied on closing (no stale copy to browse).
// Banners changing while open are said by their own region (.cw-banners), not again here, and so
// are notes that are live regions themselves (a rating's "You rated 4 out of 5"): never twice.
const N = ".cw-note:not([role])";
const told = new Set();
let at = 0; // 0 closed, 1 opening, 2 open
const fresh = (sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent.trim()).filter((x) => x && !told.has(x) && told.add(x));
export function notices(open) {
  const r = document.getElementById("cw-notice");
  if (!r) return;
  if (!open) return (at = 0), (r.textContent = "");
  const say = (x) => x.length && (r.textContent = x.join(" "));
  // (a banner that came while open was said by its region: it counts as told)
  if (at == 2) say(fresh(N)), fresh(".cw-avail");
  else if (!at) {
    at = 1;
    setTimeout(() => at == 1 && ((at = 2), say(fresh(".cw-avail, " + N))), 300);
  }
}

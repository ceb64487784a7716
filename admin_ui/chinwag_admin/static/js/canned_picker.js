// The composer's canned-response picker: typing "/" (at the start or after a space) lists the
// site's saved replies; arrows choose, Enter or Tab inserts (variables filled in), Escape closes.
// The textarea keeps focus throughout and points at the active option (aria-activedescendant);
// the number of matches is announced politely.
import { announce, h } from './lib.js';

const TOKEN = /(^|\s)\/([a-z0-9_-]*)$/;
const MAX_SHOWN = 8;

/** Fill {visitor.name}-style variables; unknown ones stay as typed so nothing silently vanishes. */
export function fill(text, vars) {
  return text.replace(/\{(visitor\.name|visitor\.email|agent\.name|site\.name)\}/g, (all, key) => vars[key] ?? all);
}

export function cannedPicker(textarea, { load, vars }) {
  const list = h('ul', { class: 'picker', role: 'listbox', id: 'canned-picker', 'aria-label': 'Canned responses', hidden: true });
  let rows = [];
  let shown = [];
  let active = 0;
  let token = null;

  function close() {
    list.hidden = true;
    shown = [];
    token = null;
    textarea.removeAttribute('aria-activedescendant');
  }
  function draw() {
    list.replaceChildren(...shown.map((r, i) => h('li', {
      role: 'option', id: `canned-${r.id}`, 'aria-selected': String(i === active),
      onmousedown: (e) => { e.preventDefault(); insert(r); },
    }, h('strong', {}, `/${r.shortcut}`), ' ', r.title, ' ', h('span', { class: 'muted' }, r.text.slice(0, 60)))));
    list.hidden = !shown.length;
    if (shown.length) textarea.setAttribute('aria-activedescendant', `canned-${shown[active].id}`);
    else textarea.removeAttribute('aria-activedescendant');
  }
  function insert(r) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const after = textarea.value.slice(textarea.selectionEnd);
    const start = before.length - token.length;
    const text = fill(r.text, vars());
    textarea.value = before.slice(0, start) + text + after;
    const caret = start + text.length;
    textarea.setSelectionRange(caret, caret);
    close();
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    announce(`Inserted /${r.shortcut}.`);
  }
  let loading = null;
  async function update() {
    if (!TOKEN.test(textarea.value.slice(0, textarea.selectionStart))) { close(); return; }
    if (!loading) loading = load().then((r) => { rows = r; }, () => { loading = null; });
    await loading;
    // read the text again: the agent may have typed on while the responses loaded
    const m = textarea.value.slice(0, textarea.selectionStart).match(TOKEN);
    if (!m) { close(); return; }
    const query = m[2];
    token = `/${query}`;
    const before = shown.length;
    shown = rows.filter((r) => r.shortcut.startsWith(query) || r.title.toLowerCase().includes(query)).slice(0, MAX_SHOWN);
    active = 0;
    draw();
    if (shown.length !== before) {
      announce(shown.length ? `${shown.length} canned ${shown.length === 1 ? 'response' : 'responses'}: arrows choose, Enter inserts.` : 'No canned response matches.');
    }
  }
  textarea.addEventListener('input', (e) => { if (e.isTrusted !== false) update(); });
  textarea.addEventListener('blur', () => setTimeout(close, 100));
  textarea.addEventListener('keydown', (e) => {
    if (list.hidden || !shown.length) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      active = (active + (e.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
      draw();
      announce(`/${shown[active].shortcut}: ${shown[active].title}`);
    } else if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
      insert(shown[active]);
    } else if (e.key === 'Escape') {
      close();
    } else {
      return;
    }
    e.preventDefault();
    e.stopImmediatePropagation();
  });
  return list;
}

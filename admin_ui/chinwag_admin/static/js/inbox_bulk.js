// Bulk actions of the inbox list: a checkbox on each row, "Select all shown" above the list and,
// while something is selected, Assign to me / Assign to (a colleague) / Close for all of them at
// once. Each conversation goes through the same /agent event as the header's buttons (scoping,
// audit and conversation.update stay those of one action); what the server refuses is named.
import { announce, h } from './lib.js';

/**
 * @param {object} o
 * @param {(event: string, payload: object) => Promise<object>} o.send  the inbox's socket call
 * @param {{ASSIGN: string, CLOSE: string}} o.events  the server's event names
 * @param {number} o.me  the signed-in user's id
 * @param {() => Array<{id: number, name?: string, email: string, role: string}>} o.people
 * @param {(id: number) => string} o.name  how a conversation is named ("the conversation with …")
 * @param {() => void} o.done  called after an action (reload the list)
 */
export function bulkActions({ send, events, me, people, name, done }) {
  const selected = new Set();
  const boxes = new Map(); // conversation id -> its row's checkbox
  const all = h('input', { type: 'checkbox', id: 'select-all' });
  const count = h('span', { class: 'muted', id: 'bulk-count' });
  const who = h('select', { id: 'bulk-assign-to' });
  const whoField = h('span', { class: 'field' }, h('label', { for: 'bulk-assign-to' }, 'Assign selected to'), who);
  const status = h('p', { class: 'error', role: 'alert', id: 'bulk-error' });
  const button = (id, label, onclick) => h('button', { type: 'button', class: 'secondary', id, onclick }, label);
  const actions = h('div', { class: 'bulk-actions', hidden: true },
    count, ' ',
    button('bulk-assign-me', 'Assign selected to me', () => run('assign', me)),
    whoField,
    button('bulk-assign', 'Assign', () => run('assign', Number(who.value))),
    button('bulk-close', 'Close selected', () => run('close')),
    button('bulk-clear', 'Clear selection', () => { selected.clear(); draw(); all.focus(); }));
  const bar = h('div', { class: 'bulk', role: 'group', 'aria-label': 'Selected conversations' },
    h('label', { class: 'check' }, all, ' Select all shown'), actions, status);

  all.addEventListener('change', () => {
    for (const id of boxes.keys()) if (all.checked) selected.add(id); else selected.delete(id);
    draw();
  });

  function draw() {
    for (const [id, box] of boxes) box.checked = selected.has(id);
    const n = selected.size;
    actions.hidden = n === 0;
    count.textContent = `${n} selected.`;
    all.checked = boxes.size > 0 && [...boxes.keys()].every((id) => selected.has(id));
    all.indeterminate = n > 0 && !all.checked;
    const colleagues = people().filter((u) => u.id !== me);
    const kept = who.value;
    who.replaceChildren(...colleagues.map((u) => h('option', { value: String(u.id), selected: String(u.id) === kept }, `${u.name || u.email} (${u.role})`)));
    whoField.hidden = !colleagues.length;
    actions.querySelector('#bulk-assign').hidden = !colleagues.length;
  }

  /** The checkbox of a row, made once per conversation and kept across redraws. */
  function checkbox(id) {
    let box = boxes.get(id);
    if (!box) {
      box = h('input', { type: 'checkbox', class: 'pick', 'data-pick': id, 'aria-label': `Select ${name(id)}` });
      box.addEventListener('change', () => { if (box.checked) selected.add(id); else selected.delete(id); draw(); });
      boxes.set(id, box);
    }
    box.setAttribute('aria-label', `Select ${name(id)}`);
    return box;
  }

  /** The list now shows these conversations: the others leave the selection. */
  function shown(ids) {
    const keep = new Set(ids);
    for (const id of [...boxes.keys()]) if (!keep.has(id)) { boxes.delete(id); selected.delete(id); }
    draw();
  }

  let busy = false;
  async function run(action, userId) {
    if (busy || !selected.size) return;
    busy = true;
    status.textContent = '';
    const ids = [...selected];
    const refused = [];
    for (const id of ids) {
      const ack = action === 'close'
        ? await send(events.CLOSE, { conversation_id: id })
        : await send(events.ASSIGN, { conversation_id: id, user_id: userId });
      if (ack.ok) selected.delete(id); else refused.push(`${name(id)}: ${ack.error?.message || 'refused'}`);
    }
    busy = false;
    const ok = ids.length - refused.length;
    const target = action === 'close' ? '' : userId === me ? ' to you' : ` to ${who.selectedOptions[0]?.textContent || 'a colleague'}`;
    const verb = action === 'close' ? 'Closed' : 'Assigned';
    const what = (n) => `${n} conversation${n === 1 ? '' : 's'}`;
    announce(refused.length ? `${verb} ${ok} of ${what(ids.length)}${target}.` : `${verb} ${what(ok)}${target}.`);
    status.textContent = refused.length ? `Not done: ${refused.join('; ')}` : '';
    draw();
    done();
    (selected.size ? actions.querySelector(`#bulk-${action === 'close' ? 'close' : 'assign-me'}`) : all).focus();
  }

  return { bar, checkbox, shown, draw };
}

// Place "proactive": rules the server sends with the session (URL, time on page, a custom event
// from the host page), evaluated here; a rule's chips, and its `event` told when shown and picked. A matching rule's greeting is shown at most
// once per cap window: remembered in the visitor's storage once they have a session, and only
// for the page view before (nothing is stored for a visitor who never opened the chat).
export default function ({ h }) {
  function start(f, client) {
    const page = client.page;
    const memo = {};
    let kept = 0;
    const stored = () => (client.hasSession() ? client.db.get("proactive") || {} : {});
    // the caps outlive the page once there is a session: kept as soon as a rule fires or the
    // session arrives (any change of the chat), not at the next tick, so a reload right after
    // a greeting does not greet again
    // a rule with an `event` tells its plugin it was shown, once the visitor has a session
    const told = {};
    const tell = () => {
      for (const r of f.rules) {
        if (r.event && memo[r.id] && !told[r.id] && client.hasSession() && client.online()) {
          told[r.id] = 1;
          client.call(r.event, { payload: { rule: r.id, shown: "1" }, values: {}, conversation_id: client.current });
        }
      }
    };
    const save = () => {
      tell();
      const n = Object.keys(memo).length;
      if (n > kept && client.hasSession()) {
        client.db.set("proactive", { ...stored(), ...memo });
        kept = n;
      }
    };
    client.onChange(save);
    const check = () => {
      for (const r of f.rules) {
        const last = memo[r.id] || stored()[r.id];
        if ((last && Date.now() - last < r.cap_hours * 3600000) || (client.proactive || []).some((x) => x.id === r.id)) continue;
        if (r.url && !(page.url && RegExp(r.url).test(page.url))) continue;
        if (r.seconds_on_page && Date.now() - page.since < r.seconds_on_page * 1000) continue;
        if (r.scroll_percent) continue; // the loader does not report scrolling yet (docs/widget-features.md)
        if (r.custom_event && !page.events.includes(r.custom_event)) continue;
        memo[r.id] = Date.now();
        client.proactive = [...(client.proactive || []), { id: r.id, f: f.id, text: r.message, chips: r.chips, event: r.event }];
        if (client.onProactive) client.onProactive(r.message);
        client.changed();
      }
      save();
    };
    client.checkRules = check;
    const timer = setInterval(check, 1000);
    check();
    return () => {
      clearInterval(timer);
      client.listeners = client.listeners.filter((x) => x !== save);
      client.checkRules = null;
      client.proactive = [];
      client.changed();
    };
  }
  // arrows move between a greeting's chips (Tab reaches each too); Left/Right follow the reading direction
  function arrows(e) {
    const d = { ArrowDown: 1, ArrowUp: -1, ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!d) return;
    const all = [...e.currentTarget.querySelectorAll("button")];
    const rtl = /Left|Right/.test(e.key) && getComputedStyle(e.currentTarget).direction === "rtl" ? -1 : 1;
    const next = all[(all.indexOf(e.target) + d * rtl + all.length) % all.length];
    if (next) (e.preventDefault(), next.focus());
  }
  // a greeting's chips: a click (or Enter, Space) sends the chip's text as the visitor's message;
  // then they are spent (aria-disabled, still focusable), like the chips of a bot message
  function Chips({ client, p }) {
    // the pick is told to the rule's plugin once the message has its conversation
    const pick = (c, i) => {
      if (p.used) return;
      p.used = true;
      client.send(c);
      if (!p.event) return;
      const told = () => {
        if (client.current == null || client.outbox.length) return;
        client.listeners = client.listeners.filter((x) => x !== told);
        client.call(p.event, { payload: { rule: p.id, chip: String(i) }, values: {}, conversation_id: client.current });
      };
      client.onChange(told);
      told();
    };
    return h("div", { class: "cw-btns", role: "group", "aria-label": p.text, onKeyDown: arrows }, p.chips.map((c, i) => h("button", { type: "button", class: "cw-chip", "aria-disabled": p.used ? "true" : undefined, onClick: () => pick(c, i) }, c)));
  }
  // the greetings, in the log after the site's own greeting (announced like messages)
  function InLog({ client, feature }) {
    return (client.proactive || []).filter((p) => p.f === feature.id).map((p) => h("li", { class: "cw-msg cw-theirs" }, h("div", { class: "cw-text" }, p.text), p.chips && p.chips.length ? h(Chips, { client, p }) : null));
  }
  return { start, InLog };
}

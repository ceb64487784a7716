// Place "proactive": rules the server sends with the session (URL, time on page, scroll depth, a
// custom event from the host page), evaluated here. A matching rule's greeting is shown at most
// once per cap window: remembered in the visitor's storage once they have a session, and only
// for the page view before (nothing is stored for a visitor who never opened the chat).
export default function () {
  function start(f, client) {
    const page = client.page || (client.page = { url: "", since: Date.now(), scroll: 0, events: [] });
    const memo = {};
    const shownAt = () => (client.hasSession() ? client.db.get("proactive") || {} : memo);
    const check = () => {
      for (const r of f.rules) {
        const last = shownAt()[r.id] || memo[r.id];
        if ((last && Date.now() - last < r.cap_hours * 3600000) || (client.proactive || []).some((x) => x.id === r.id)) continue;
        if (r.url && !(page.url && RegExp(r.url).test(page.url))) continue;
        if (r.seconds_on_page && Date.now() - page.since < r.seconds_on_page * 1000) continue;
        if (r.scroll_percent && page.scroll < r.scroll_percent) continue;
        if (r.custom_event && !page.events.includes(r.custom_event)) continue;
        memo[r.id] = Date.now();
        if (client.hasSession()) client.db.set("proactive", { ...shownAt(), [r.id]: memo[r.id] });
        client.proactive = [...(client.proactive || []), { id: r.id, text: r.message }];
        if (client.onProactive) client.onProactive(r.message);
        client.changed();
      }
    };
    client.checkRules = check;
    const timer = setInterval(check, 1000);
    check();
    return () => {
      clearInterval(timer);
      client.checkRules = null;
      client.proactive = [];
      client.changed();
    };
  }
  return { start };
}

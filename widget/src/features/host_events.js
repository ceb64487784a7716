// Place "host_events": the widget's own analytics events pushed into the host page's
// `window.dataLayer` (the site's tag manager or gtag.js reads it) on a site that opted in. The
// frame posts {type: "chinwag:v1:dl", push} to the host page's exact origin; the loader checks
// that it comes from its own frame on Chinwag's origin and pushes `push` (no third-party script
// runs in the widget). Only what reaches Chinwag's own pipeline is pushed, once the server has
// acknowledged it (a visitor who never opens the chat, or has not consented yet, has no
// connection and sends nothing), and on a site that requires consent only while the visitor's
// consent covers "analytics". No message text, e-mail address or visitor id.
// docs/widget-features.md, "Host page events".

const PREFIX = "chinwag:v1:"; // protocol.js's (a chunk imports nothing of the core)
// the frame's own reports over `widget.track` (the host page's own Chinwag('track') calls are
// its own already) and the names they are pushed under
const OWN = { opened: "widget_opened", closed: "widget_closed", "rating.submitted": "widget_rating_submitted" };

export default function () {
  return {
    start(f, client) {
      const boot = client.boot;
      // the full-page chat has no host page; a second declaration adds nothing
      if (boot.mode !== "frame" || Object.prototype.hasOwnProperty.call(client, "call")) return null;
      const w = f.watch;
      // on a site that requires consent each event waits for a fresh read of the visitor's
      // consent (each answer settles every event waiting): a withdrawal anywhere (the Privacy
      // tab, the admin, the site's backend) stops the pushes
      const held = [];
      const post = ([name, props]) => parent.postMessage({ type: PREFIX + "dl", push: { event: f.prefix + name, chinwag: props } }, boot.host);
      const out = (name, props) => {
        if (!client.settings.consent_required) return post([name, props]);
        if (held.length < 50) held.push([name, props]);
        client.call(w.consent, {});
      };
      const call = client.call;
      client.call = function (event, data) {
        const p = call.apply(this, arguments);
        p.then((ack) => {
          if (!ack.ok) return;
          if (event === w.consent) {
            const granted = !ack.consent.required || !!ack.consent.purposes.analytics;
            held.splice(0).forEach((e) => granted && post(e));
          } else if (event === w.track && OWN[data.name]) out(OWN[data.name], data.properties);
          else if (event === w.send) {
            const id = ack.conversation.id;
            if (data.conversation_id == null) out("conversation_started", { conversation_id: id });
            out("message_sent", { author_kind: "visitor", conversation_id: id });
          }
        });
        return p;
      };
      const apply = client.apply;
      client.apply = function (m, live) {
        const c = client.conv(m.conversation_id);
        const before = c.last;
        const r = apply.apply(this, arguments);
        if (live && m.author_kind !== "visitor" && c.last === m.seq && m.seq > before) {
          out("message_sent", { author_kind: m.author_kind, conversation_id: m.conversation_id });
        }
        return r;
      };
      return () => {
        delete client.call;
        delete client.apply;
      };
    },
  };
}

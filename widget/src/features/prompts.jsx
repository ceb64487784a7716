// Place "prompts": a card the server asks for (a survey after close, an email capture when no one
// answers), by the declared plugin event. Each prompt id is shown once per visitor; dismissible.
// @jsxRuntime classic
// @jsx h
import canvas from "./canvas.jsx";

export default function (rt) {
  const { h } = rt;
  const Canvas = canvas(rt);
  const say = rt.t; // the core's strings (core/chinwag/widget_locales/)
  const shown = {};

  function start(f, client) {
    const cards = (shown[f.id] = shown[f.id] || []);
    const on = (d) => {
      const p = d.payload;
      if (d.event !== f.event || !p || typeof p.id !== "string" || !Array.isArray(p.components)) return;
      const seen = client.db.get("prompts") || [];
      if (seen.includes(p.id)) return;
      client.db.set("prompts", [...seen, p.id].slice(-200));
      cards.push({ ...p, conversation_id: d.conversation_id });
      client.changed();
    };
    client.pluginListeners.push(on);
    return () => {
      client.pluginListeners = client.pluginListeners.filter((fn) => fn !== on);
      cards.length = 0;
    };
  }

  function Cards({ feature, client, features }) {
    const cards = shown[feature.id] || [];
    const drop = (id) => {
      cards.splice(cards.findIndex((c) => c.id === id), 1);
      client.changed();
      const input = document.getElementById("cw-input");
      if (input) input.focus();
    };
    return cards.map((c) => (
      <section class="cw-prompt" aria-labelledby={"cw-p-" + c.id}>
        <h2 id={"cw-p-" + c.id}>{c.title}</h2>
        <button type="button" class="cw-hbtn cw-px" aria-label={say("promptDismiss")} onClick={() => drop(c.id)}><span aria-hidden="true">×</span></button>
        <Canvas components={c.components} send={(action, values) => Canvas.submit(client, action, { values, conversation_id: c.conversation_id ?? client.current })} />
      </section>
    ));
  }
  return { start, Cards };
}

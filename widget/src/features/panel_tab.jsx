// Place "panel_tab": a tab beside the conversation (e.g. Help: list, search and read articles),
// its content components fetched from the plugin when opened and replaced by each action.
// @jsxRuntime classic
// @jsx h
import canvas from "./canvas.jsx";

export default function (rt) {
  const { h, useEffect, useState } = rt;
  const Canvas = canvas(rt);
  function Tab({ feature, view, setView }) {
    const v = "f:" + feature.id;
    return (
      <button type="button" aria-current={view === v ? "page" : undefined} onClick={() => setView(v)}>{feature.title}</button>
    );
  }

  function Panel({ feature, features, client, view }) {
    const [parts, setParts] = useState(null);
    const [err, setErr] = useState("");
    const open = view === "f:" + feature.id;
    const online = client.status === "online";
    const send = (action, values) => Canvas.submit(client, action, { values });
    // the home view is asked once the tab is open and the chat is connected (again after a failure)
    useEffect(() => {
      if (!open || !online) return;
      send({ event: feature.event, payload: { view: "home" } }, {}).then((ack) => {
        if (ack.ok) return setParts(ack.components || []);
        if (ack.error.code !== "offline") setErr(ack.error.message || ack.error.code || "error");
      });
    }, [open, online]);
    if (!open) return null;
    return (
      <section class="cw-list cw-ftab" aria-labelledby={"cw-t-" + feature.id}>
        <h2 id={"cw-t-" + feature.id} class="cw-c-heading">{feature.title}</h2>
        {err && <p class="cw-error" role="alert">{err}</p>}
        {parts && <Canvas components={parts} send={send} />}
      </section>
    );
  }
  return { Tab, Panel };
}

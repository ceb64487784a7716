// Place "message_actions": controls under each message chosen by the declared rule (e.g. thumbs
// on bot answers, then a reason picker and a comment box), answered by the plugin's socket event.
// @jsxRuntime classic
// @jsx h
import canvas from "./canvas.jsx";

export default function (rt) {
  const { h } = rt;
  const Canvas = canvas(rt);
  function matches(rule, m) {
    if (!rule || !(rule.author_kinds || []).includes(m.author_kind)) return false;
    return !rule.block_types || (m.blocks || []).some((b) => rule.block_types.includes(b.type));
  }

  function UnderMessage({ m, feature, client, features }) {
    if (!matches(feature.when, m) || m.id == null) return null;
    const key = "actions:" + feature.id;
    const done = (client.db.get(key) || {})[m.id];
    const send = (action, values) => Canvas.submit(client, action, { values, message_id: m.id, conversation_id: m.conversation_id });
    const onDone = (text) => client.db.set(key, { ...(client.db.get(key) || {}), [m.id]: text });
    return (
      <div class="cw-mact">
        <Canvas components={done != null ? [] : feature.components} done={done} send={send} onDone={onDone} label={feature.label} />
      </div>
    );
  }
  return { UnderMessage };
}

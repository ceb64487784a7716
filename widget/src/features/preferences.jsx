// Place "preferences": visitor settings (text size, spacing, motion...) applied as the chat's CSS
// custom properties and kept in the visitor's storage; a tab lists them as radio groups.
// @jsxRuntime classic
// @jsx h

export default function (rt) {
  const { h, addStyle } = rt;
  addStyle(`html,body{font-size:calc(15px * var(--cw-font-scale,1));line-height:var(--cw-line-height,1.45);letter-spacing:var(--cw-letter-spacing,normal)}
  html[data-cw-motion="0"] *{transition:none!important;animation:none!important;scroll-behavior:auto!important}
  html[data-cw-contrast=more]{--cw-muted:var(--cw-fg);--cw-line:var(--cw-fg)}
  .cw-pref fieldset{border:0;padding:0;margin:0 0 .75rem}.cw-pref legend{font-weight:600;margin-bottom:.3rem}
  .cw-pref label{display:flex;align-items:center;gap:.4rem;padding:.2rem 0}`);

  function apply(f, chosen) {
    const root = document.documentElement;
    for (const p of f.preferences) {
      const o = p.options.find((x) => x.value === chosen[p.id]) || p.options[0];
      for (const k in o.css) {
        root.style.setProperty(k, o.css[k]);
        if (k === "--cw-motion" || k === "--cw-contrast") root.dataset[k === "--cw-motion" ? "cwMotion" : "cwContrast"] = o.css[k];
      }
    }
  }

  function start(f, client) {
    apply(f, client.db.get("prefs") || {});
    return () => {
      for (const p of f.preferences) for (const o of p.options) for (const k in o.css) document.documentElement.style.removeProperty(k);
      delete document.documentElement.dataset.cwMotion;
      delete document.documentElement.dataset.cwContrast;
    };
  }

  function Tab({ feature, view, setView }) {
    const v = "f:" + feature.id;
    return <button type="button" aria-current={view === v ? "page" : undefined} onClick={() => setView(v)}>{feature.title}</button>;
  }

  function Panel({ feature, client, view }) {
    if (view !== "f:" + feature.id) return null;
    const chosen = client.db.get("prefs") || {};
    const pick = (id, value) => {
      const next = { ...(client.db.get("prefs") || {}), [id]: value };
      client.db.set("prefs", next);
      apply(feature, next);
      client.changed();
    };
    return (
      <section class="cw-list cw-pref" aria-labelledby={"cw-t-" + feature.id}>
        <h2 id={"cw-t-" + feature.id}>{feature.title}</h2>
        {feature.preferences.map((p) => (
          <fieldset>
            <legend>{p.label}</legend>
            {p.options.map((o, i) => (
              <label>
                <input type="radio" name={"cw-pref-" + p.id} checked={(chosen[p.id] || p.options[0].value) === o.value} onChange={() => pick(p.id, o.value)} />
                {o.text}
              </label>
            ))}
          </fieldset>
        ))}
      </section>
    );
  }
  return { start, Tab, Panel };
}

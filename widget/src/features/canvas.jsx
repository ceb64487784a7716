// Renders the fixed component vocabulary of chinwag_plugin_api.widget from data (text, button,
// input, textarea, single_select, list, submit, divider, image). Actions round-trip to the
// declaring plugin's socket event; an answer {components} replaces the canvas, {done} ends it.
// @jsxRuntime classic
// @jsx h

let made;

// one Canvas for every chunk that shows components (made once, with the core's runtime)
export default function canvas(rt) {
  return made || (made = make(rt));
}

function make({ h, useEffect, useRef, useState, Link, safeHref, addStyle, t: say }) {
  // say: the core's strings (core/chinwag/widget_locales/). A plugin's text takes its direction
  // from its own letters (unicode-bidi:plaintext): English in an Arabic widget reads "What went
  // wrong?", not "?What went wrong".

  addStyle(`.cw-canvas{display:flex;flex-direction:column;gap:.4rem;margin-top:.35rem}
  .cw-canvas p{margin:0}.cw-c-heading{font-weight:600}.cw-c-muted{color:var(--cw-muted);font-size:.9rem}
  .cw-canvas label{font-size:.9rem}
  .cw-canvas input[type=text],.cw-canvas textarea{font:inherit;color:inherit;background:var(--cw-bg);border:1px solid var(--cw-muted);border-radius:var(--cw-radius);padding:.4rem .55rem}
  .cw-canvas fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.35rem}.cw-canvas legend{padding:0;margin-bottom:.25rem}
  .cw-canvas fieldset label{display:inline-flex;align-items:center;gap:.3rem;border:1px solid var(--cw-link);border-radius:999px;padding:.2rem .6rem}
  .cw-canvas ul{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.3rem}
  .cw-canvas li button,.cw-canvas li a{display:block;width:100%;text-align:start;background:var(--cw-bubble);color:var(--cw-fg);border:0;border-radius:var(--cw-radius);padding:.45rem .6rem;font:inherit;cursor:pointer;text-decoration:none}
  .cw-canvas li small{display:block;color:var(--cw-muted)}
  .cw-canvas hr{border:0;border-top:1px solid var(--cw-line);width:100%;margin:.2rem 0}
  .cw-canvas img{max-width:100%;height:auto}
  .cw-canvas .cw-btns{margin-top:0}.cw-primary.cw-c-sub{align-self:flex-start}
  .cw-canvas input[type=radio]:focus-visible{outline:3px solid var(--cw-focus);outline-offset:2px}
  .cw-canvas :is(p,legend,label,li,button,a){unicode-bidi:plaintext}`);

  let uid = 0;

  function Item({ c, run }) {
    return (
      <li>
        {c.action ? (
          <button type="button" onClick={() => run(c.action)}>{c.title}{c.subtitle && <small>{c.subtitle}</small>}</button>
        ) : (
          <Link href={c.url}>{c.title}{c.subtitle && <small>{c.subtitle}</small>}</Link>
        )}
      </li>
    );
  }

  function Part({ c, run, values, set, base }) {
    const id = base + "-" + c.id;
    switch (c.type) {
      case "text":
        return c.style === "heading" ? <p class="cw-c-heading" role="heading" aria-level="3">{c.text}</p> : <p class={"cw-c-" + c.style}>{c.text}</p>;
      case "button":
        return c.url ? (
          <Link class="cw-chip" href={c.url} aria-label={c.label}>{c.text}</Link>
        ) : (
          <button type="button" class={c.style === "primary" ? "cw-primary" : "cw-chip"} aria-label={c.label}
            aria-pressed={c.pressed == null ? undefined : String(c.pressed)} onClick={() => c.action && run(c.action)}>{c.text}</button>
        );
      case "input":
        return [<label for={id}>{c.label}</label>, <input id={id} type="text" placeholder={c.placeholder} value={values[c.id] ?? c.value} onInput={(e) => set(c.id, e.target.value)} />];
      case "textarea":
        return [<label for={id}>{c.label}</label>, <textarea id={id} rows={3} placeholder={c.placeholder} value={values[c.id] || ""} onInput={(e) => set(c.id, e.target.value)} />];
      case "single_select":
        return (
          <fieldset>
            <legend>{c.label}</legend>
            {c.options.map((o) => (
              <label>
                <input type="radio" name={id} value={o.value} checked={values[c.id] === o.value}
                  onChange={() => (set(c.id, o.value), c.action && run(c.action, { ...values, [c.id]: o.value }))} />
                {o.text}
              </label>
            ))}
          </fieldset>
        );
      case "list":
        return <ul aria-label={c.label}>{c.items.map((i) => <Item c={i} run={run} />)}</ul>;
      case "submit":
        return <button type="submit" class="cw-primary cw-c-sub" data-event={c.action.event}>{c.text}</button>;
      case "divider":
        return <hr />;
      case "image":
        return safeHref(c.url) ? <img src={safeHref(c.url)} alt={c.alt} width={c.width} height={c.height} loading="lazy" /> : null;
      default:
        return null;
    }
  }

  // consecutive buttons share one row
  function group(components) {
    const out = [];
    for (const c of components) {
      const last = out[out.length - 1];
      if (c.type === "button" && Array.isArray(last)) last.push(c);
      else out.push(c.type === "button" ? [c] : c);
    }
    return out;
  }

  function Canvas({ components, send, done, onDone, label }) {
    const [parts, setParts] = useState(components);
    const [values, setValues] = useState({});
    const [note, setNote] = useState(done || "");
    const [err, setErr] = useState("");
    const [busy, setBusy] = useState(false);
    const box = useRef();
    const moved = useRef(false);
    const base = useRef("cw-c" + uid++).current;
    useEffect(() => setParts(components), [components]);
    useEffect(() => {
      // after an answer, focus goes to the first control of what replaced the one used
      if (!moved.current || !box.current) return;
      moved.current = false;
      const el = box.current.querySelector("button, input, textarea, a, [tabindex]");
      if (el) el.focus();
    }, [parts]);
    const set = (k, v) => setValues((x) => ({ ...x, [k]: v }));
    const run = async (action, vals) => {
      if (busy) return;
      setBusy(true);
      setErr("");
      const ack = await send(action, vals || values);
      setBusy(false);
      if (!ack.ok) return setErr(say("actionFailed", { error: (ack.error && (ack.error.message || ack.error.code)) || "" }));
      if (ack.components) {
        moved.current = true;
        setValues({});
        setParts(ack.components);
      }
      if (ack.done != null) {
        setNote(ack.done);
        setParts([]);
        onDone && onDone(ack.done);
        if (box.current) box.current.querySelector("[role=status]").focus();
      }
    };
    const submit = (e) => {
      e.preventDefault();
      const ev = e.submitter && e.submitter.dataset.event;
      const s = parts.find((c) => c.type === "submit" && (!ev || c.action.event === ev));
      if (s) run(s.action);
    };
    return (
      <form class="cw-canvas" ref={box} onSubmit={submit} aria-label={label} aria-busy={busy ? "true" : undefined}>
        {group(parts).map((c) =>
          Array.isArray(c) ? (
            <div class="cw-btns">{c.map((b) => <Part c={b} run={run} values={values} set={set} base={base} />)}</div>
          ) : (
            <Part c={c} run={run} values={values} set={set} base={base} />
          ),
        )}
        <p class="cw-note" role="status" tabIndex={-1}>{busy ? say("actionSending") : note}</p>
        {err && <p class="cw-error" role="alert">{err}</p>}
      </form>
    );
  }
  // an action round-trips to its socket event; a disabled plugin's answer refreshes the features
  Canvas.submit = async (client, action, extra) => {
    const ack = await client.call(action.event, { payload: action.payload || {}, conversation_id: client.current, ...extra });
    if (!ack.ok && ack.error && ack.error.code === "plugin_disabled") client.refreshFeatures();
    return ack;
  };
  return Canvas;
}

// Place "composer_assist": results offered while the visitor types (debounced; a newer keystroke
// cancels an older query), shown over the log so nothing moves, chosen with the arrow keys and
// Enter or the mouse, counted aloud in a polite live region.
// @jsxRuntime classic
// @jsx h

export default function (rt) {
  const { h, useEffect, addStyle } = rt;
  const say = rt.t; // the core's strings (core/chinwag/widget_locales/)

  addStyle(`.cw-assist{position:relative;height:0}
  .cw-assist-box{position:absolute;inset-inline:.75rem;bottom:.25rem;padding:.25rem;background:var(--cw-bg);border:1px solid var(--cw-line);border-radius:var(--cw-radius);box-shadow:0 4px 16px rgba(0,0,0,.18);z-index:2}
  .cw-assist ul{margin:0;padding:0;list-style:none;max-height:12rem;overflow-y:auto}
  .cw-assist [role=option]{unicode-bidi:plaintext;padding:.4rem .55rem;border-radius:calc(var(--cw-radius)/2);cursor:pointer}
  .cw-assist [role=option] small{display:block;color:var(--cw-muted)}
  .cw-assist [aria-selected=true]{background:var(--cw-bubble);outline:2px solid var(--cw-focus)}
  .cw-assist-box p{margin:0 .3rem .2rem;font-size:.8rem;color:var(--cw-muted)}`);

  const st = {};

  function state(f) {
    return (st[f.id] = st[f.id] || { results: [], active: -1, seq: 0, timer: 0, text: "" });
  }

  function start(f, client, features) {
    const s = state(f);
    const list = "cw-assist-" + f.id;
    const show = () => {
      features.attrs = s.results.length
        ? { "aria-controls": list, "aria-autocomplete": "list", "aria-activedescendant": s.active >= 0 ? list + "-" + s.active : undefined }
        : {};
      client.changed();
    };
    s.close = () => {
      s.seq++;
      clearTimeout(s.timer);
      s.results = [];
      s.active = -1;
      show();
    };
    s.pick = (r) => {
      s.close();
      if (r.url) window.open(r.url, "_blank", "noopener");
      else if (r.insert != null) s.setDraft(r.insert);
    };
    s.query = (text) => {
      clearTimeout(s.timer);
      const seq = ++s.seq;
      if (text.trim().length < f.min_chars) return s.results.length && s.close();
      s.timer = setTimeout(async () => {
        const ack = await client.call(f.event, { text, conversation_id: client.current });
        if (seq !== s.seq) return; // the visitor typed on: a newer query owns the list
        s.results = ack.ok && Array.isArray(ack.results) ? ack.results.slice(0, 8) : [];
        s.active = -1;
        show();
      }, f.debounce_ms);
    };
    const keys = (e) => {
      const n = s.results.length;
      if (!n) return false;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        s.active = e.key === "ArrowDown" ? (s.active + 1) % n : s.active <= 0 ? n - 1 : s.active - 1;
        show();
        return true;
      }
      if (e.key === "Enter" && s.active >= 0) {
        e.preventDefault();
        s.pick(s.results[s.active]);
        return true;
      }
      if (e.key === "Escape") {
        e.stopPropagation();
        s.close();
        return true;
      }
      return false;
    };
    features.keys.push(keys);
    return () => {
      s.close();
      features.keys = features.keys.filter((k) => k !== keys);
      features.attrs = {};
    };
  }

  function AboveComposer({ feature, draft, setDraft }) {
    const s = state(feature);
    s.setDraft = setDraft;
    useEffect(() => {
      if (draft !== s.text) {
        s.text = draft;
        if (s.query) s.query(draft);
      }
    }, [draft]);
    const id = "cw-assist-" + feature.id;
    const n = s.results.length;
    return (
      <div class="cw-assist">
        {n > 0 && (
          <div class="cw-assist-box">
            <p id={id + "-h"}>{feature.label}</p>
            <ul role="listbox" id={id} aria-labelledby={id + "-h"}>
              {s.results.map((r, i) => (
                <li role="option" id={id + "-" + i} aria-selected={String(i === s.active)} onMouseDown={(e) => (e.preventDefault(), s.pick(r))}>
                  {r.title}
                  {r.subtitle && <small>{r.subtitle}</small>}
                </li>
              ))}
            </ul>
          </div>
        )}
        <p class="cw-sr" role="status">{n > 1 ? say("assistMany", { n }) : n ? say("assistOne") : ""}</p>
      </div>
    );
  }
  return { start, AboveComposer };
}

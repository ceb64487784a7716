// Place "attachments": the attach button, drag and drop, paste, the upload's progress; the
// upload goes to the declared endpoint, and the declared update event swaps a processed block in.
// @jsxRuntime classic
// @jsx h

export default function (rt) {
  const { h, useRef } = rt;
  const say = rt.t; // the core's strings (core/chinwag/widget_locales/)

  function usable(client) {
    const c = client.current != null && client.convs[client.current];
    return client.hasSession() && !(c && c.info && c.info.status === "closed");
  }

  function upload(f, client, file) {
    if (client.upload || !file) return;
    if (f.max_bytes && file.size > f.max_bytes) return client.fail({ message: say("fileTooBig", { name: file.name, mb: Math.round(f.max_bytes / 1048576) }) });
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    form.append("file", file);
    if (client.current != null) form.append("conversation_id", String(client.current));
    client.upload = { name: file.name, pct: 0, xhr };
    client.error = null;
    xhr.open("POST", f.upload_url);
    xhr.setRequestHeader("Authorization", "Visitor " + client.session.visitor_token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && client.upload) client.upload.pct = Math.round((100 * e.loaded) / e.total);
      client.changed();
    };
    xhr.onload = () => {
      client.upload = null;
      let data = {};
      try {
        data = JSON.parse(xhr.responseText);
      } catch (e) {
        /* not JSON: reported below by status */
      }
      const err = data.error || {};
      if (xhr.status === 201 && data.block) client.send("", [data.block]);
      else if (err.code === "plugin_disabled") (client.fail({ message: say("attachGone") }), client.refreshFeatures());
      else client.fail(data.error || { code: "upload_failed", message: "HTTP " + xhr.status });
    };
    xhr.onerror = () => {
      client.upload = null;
      client.fail({ code: "upload_failed" });
    };
    xhr.onabort = () => {
      client.upload = null;
      client.changed();
    };
    xhr.send(form);
    client.changed();
  }

  function start(f, client) {
    const panel = () => document.querySelector(".cw-panel");
    const mark = (on) => panel() && panel().classList.toggle("cw-drag", on);
    const over = (e) => usable(client) && (e.preventDefault(), mark(true));
    const leave = () => mark(false);
    const drop = (e) => {
      mark(false);
      if (!usable(client)) return;
      e.preventDefault();
      upload(f, client, e.dataTransfer.files[0]);
    };
    const paste = (e) => {
      if (!usable(client) || !e.target.closest || !e.target.closest(".cw-compose") || !e.clipboardData.files.length) return;
      e.preventDefault();
      upload(f, client, e.clipboardData.files[0]);
    };
    const updated = (d) => {
      if (d.event !== f.updates_event || !d.payload || d.payload[f.update_key] == null) return;
      const key = d.payload[f.update_key];
      Object.values(client.convs).forEach((c) =>
        c.messages.forEach((m) => {
          m.blocks = (m.blocks || []).map((b) => (b[f.update_key] === key ? d.payload.block : b));
        }),
      );
      client.changed();
    };
    const on = [["dragover", over], ["dragleave", leave], ["drop", drop], ["paste", paste]];
    on.forEach(([n, fn]) => document.addEventListener(n, fn));
    client.pluginListeners.push(updated);
    return () => {
      on.forEach(([n, fn]) => document.removeEventListener(n, fn));
      client.pluginListeners = client.pluginListeners.filter((fn) => fn !== updated);
      if (client.upload) client.upload.xhr.abort();
    };
  }

  function ComposerTools({ feature, client }) {
    const input = useRef();
    if (!usable(client)) return null;
    return [
      <input type="file" ref={input} class="cw-sr" tabIndex={-1} aria-hidden="true" accept={(feature.accept || []).join(",") || undefined}
        onChange={(e) => (upload(feature, client, e.target.files[0]), (e.target.value = ""))} />,
      <button type="button" class="cw-icon" aria-label={say("attach")} onClick={() => input.current.click()}>
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d={JSON.parse(document.getElementById("chinwag-boot").textContent).icons.plus} /></svg>
      </button>,
    ];
  }

  function AboveComposer({ client }) {
    const u = client.upload;
    return u ? (
      <div class="cw-upload" role="status">
        <label for="cw-progress">{say("uploading", { name: u.name, pct: u.pct })}</label>
        <progress id="cw-progress" max="100" value={u.pct} />
        <button type="button" class="cw-hbtn" onClick={() => u.xhr.abort()}>{say("cancel")}</button>
      </div>
    ) : null;
  }
  return { start, ComposerTools, AboveComposer };
}

// Place "consent" (the core's own, on every site): the Privacy tab. The visitor e-mails
// themselves their transcript, or a link to download all their data (a verified visitor at
// once; anyone else after confirming the address by a mailed link), deletes their history
// (after a confirmation; the widget then starts a fresh, empty session) and, where the site
// asks for consent, sees and withdraws it (`feature.event`). docs/privacy.md, "Visitor self-service".
// It also draws the consent boxes of the first (pre-chat) form and checks them (`check`): one
// "I agree" when the site asks one purpose, else a checkbox per purpose, each named by its label,
// described by the consent text, required ones marked; only ticked purposes are granted.
// @jsxRuntime classic
// @jsx h

const API = "/api/v1/widget/privacy/";

export default function (rt) {
  const { h, useEffect, useRef, useState, addStyle } = rt;
  addStyle(
    ".cw-consent-tab h3{font-size:1rem;margin:1.1rem 0 .4rem}" +
      ".cw-pv-field{display:flex;flex-direction:column;gap:.25rem;margin-bottom:.5rem}" +
      ".cw-pv-field input{font:inherit;color:inherit;background:var(--cw-bg);border:1px solid var(--cw-muted);border-radius:var(--cw-radius);padding:.45rem .6rem}" +
      ".cw-consent-tab .cw-hbtn{font-size:1rem;padding:.45rem .8rem}" +
      ".cw-consent-tab [role=status]:focus{outline:0}" +
      ".cw-purposes{border:0;margin:.4rem 0;padding:0}.cw-purposes legend{padding:0;margin-bottom:.25rem}" +
      ".cw-purposes div{margin:.2rem 0}.cw-pv-mail button{margin:.2rem 0}",
  );

  // a live region outside the panel: the outcome of a deletion is heard even when the panel
  // gives way to the pre-chat form
  let live = null;
  const say = (text) => {
    if (!live) {
      live = document.createElement("div");
      live.className = "cw-sr";
      live.setAttribute("role", "status");
      document.body.appendChild(live);
    }
    live.textContent = "";
    setTimeout(() => (live.textContent = text), 50);
  };

  async function call(client, method, path, body) {
    let res = null;
    let data = {};
    try {
      res = await fetch(API + path, {
        method,
        credentials: "omit",
        headers: { "Content-Type": "application/json", Authorization: "Visitor " + client.session.visitor_token },
        body: body ? JSON.stringify(body) : undefined,
      });
      data = await res.json();
    } catch (e) {
      /* offline, or not JSON: reported as an error below */
    }
    return res && res.ok ? { ok: true, ...data } : { ok: false, error: (data && data.error) || { code: "network" } };
  }

  function Tab({ feature, view, setView, t }) {
    const v = "f:" + feature.id;
    return <button type="button" aria-current={view === v ? "page" : undefined} onClick={() => setView(v)}>{t("privacy")}</button>;
  }

  function Panel({ feature, client, view, t }) {
    const open = view === "f:" + feature.id;
    const online = client.status === "online";
    const asks = feature.purposes.length > 0;
    const [chosen, setChosen] = useState(null);
    const [note, setNote] = useState("");
    const [email, setEmail] = useState("");
    const [needEmail, setNeedEmail] = useState(!(client.session && client.session.verified));
    const [confirming, setConfirming] = useState(false);
    const [busy, setBusy] = useState(false);
    const status = useRef(null);
    const yes = useRef(null);
    const del = useRef(null);
    const answer = (ack) => {
      if (ack.ok) setChosen(ack.consent.purposes);
      setNote(ack.ok ? "" : ack.error.message || ack.error.code || "error");
      return ack;
    };
    useEffect(() => {
      if (open && online && asks) client.call(feature.event, {}).then(answer);
    }, [open, online]);
    useEffect(() => {
      if (confirming && yes.current) yes.current.focus();
    }, [confirming]);
    if (!open) return null;
    const failed = (ack) => setNote(ack.error.message || t(ack.error.code) || ack.error.code);
    const save = (e) => {
      e.preventDefault();
      client.call(feature.event, { purposes: chosen }).then((ack) => answer(ack).ok && setNote(t("saved")));
    };
    // one form, two requests: the transcript, or the export (a mailed link to the archive);
    // Enter in the address field asks for the transcript (the form's first button)
    const mail = async (e) => {
      e.preventDefault();
      const k = e.submitter && e.submitter.name === "cw-export" ? "export" : "transcript";
      setBusy(true);
      const ack = await call(client, "POST", k, needEmail ? { email } : {});
      setBusy(false);
      if (ack.ok) setNote(t(k + (ack.status === "sent" ? "Sent" : "Verify"), { to: ack.to }));
      else if (ack.error.code === "email_required") {
        setNeedEmail(true);
        setNote(t(k + "Email"));
      } else failed(ack);
    };
    const erase = async () => {
      setBusy(true);
      // off the socket first: the erasure revokes it, and a renewal racing the reset below would
      // make a second visitor
      if (client.socket) client.socket.disconnect();
      const ack = await call(client, "DELETE", "history");
      setBusy(false);
      setConfirming(false);
      if (!ack.ok) {
        client.connect();
        failed(ack);
        if (del.current) del.current.focus();
        return;
      }
      const done = t("historyDeleted");
      setEmail("");
      setNeedEmail(true);
      setNote(done);
      if (status.current) status.current.focus();
      client.forget(true);
      const s = client.settings;
      // with a pre-chat form the panel gives way to it: the outcome is said outside the panel
      if (s.prechat_form || s.consent_required) say(done);
      else client.startSession({}).catch(() => {});
    };
    const cancel = () => {
      setConfirming(false);
      setNote("");
      if (del.current) setTimeout(() => del.current && del.current.focus(), 0);
    };
    return (
      <section class="cw-list cw-consent-tab" aria-labelledby={"cw-t-" + feature.id}>
        <h2 id={"cw-t-" + feature.id}>{t("privacy")}</h2>
        {asks && chosen && (
          <form onSubmit={save}>
            {feature.purposes.map((p) => (
              <label>
                <input
                  type="checkbox"
                  name={"cw-consent-" + p.id}
                  checked={!!chosen[p.id]}
                  onChange={(e) => setChosen({ ...chosen, [p.id]: e.currentTarget.checked })}
                />
                {t(p.label)}
              </label>
            ))}
            <button type="submit" class="cw-primary">{t("save")}</button>
          </form>
        )}
        <h3>{t("transcript")}</h3>
        {feature.mail ? (
          <form class="cw-pv-mail" onSubmit={mail}>
            {needEmail && (
              <label class="cw-pv-field">
                {t("email")}
                <input type="email" name="cw-transcript-email" autocomplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
              </label>
            )}
            <button type="submit" class="cw-primary" disabled={busy}>{t("transcriptSend")}</button>{" "}
            <button type="submit" name="cw-export" class="cw-hbtn" disabled={busy}>{t("exportSend")}</button>
          </form>
        ) : (
          <p>{t("mail_unavailable")}</p>
        )}
        <h3>{t("history")}</h3>
        {confirming ? (
          <div role="group" aria-labelledby="cw-erase-q">
            <p id="cw-erase-q">{t("historyConfirm")}</p>
            <button type="button" class="cw-primary" ref={yes} disabled={busy} onClick={erase}>{t("historyYes")}</button>{" "}
            <button type="button" class="cw-hbtn" onClick={cancel}>{t("historyNo")}</button>
          </div>
        ) : (
          <button type="button" class="cw-hbtn" ref={del} onClick={() => (setNote(""), setConfirming(true))}>{t("historyDelete")}</button>
        )}
        <p role="status" tabIndex={-1} ref={status}>{note}</p>
      </section>
    );
  }
  // the first form's boxes, inside its .cw-consent group (after the consent text); `aria` and
  // `note` are the form's own: errors are text tied to their field
  function Prechat({ feature, s, t, aria, note }) {
    const ps = feature.purposes;
    const box = useRef(null);
    // described by "(required)" when it is (Chromium does not expose `required` on checkboxes)
    // and the consent text; `required` (the form is noValidate: no browser bubbles) with
    // aria-invalid said outright, or Chromium would call an untouched box invalid
    const tie = (k, required, marked) => {
      const a = aria(k, (marked ? "cw-" + k + "-req " : "") + "cw-consent-text");
      return { ...a, required, "aria-invalid": a["aria-invalid"] || "false" };
    };
    // the first field of the form when it has no name/e-mail: opening focused the form's button
    // (or nothing) if it came before this chunk drew its boxes
    useEffect(() => {
      const a = document.activeElement;
      if (!s.prechat_form && box.current && (a === document.body || a.closest(".cw-prechat"))) box.current.focus();
    }, []);
    if (ps.length < 2)
      return [
        <input id="cw-consent" name="consent" type="checkbox" {...tie("consent", ps[0] && ps[0].required)} ref={box} />,
        <label for="cw-consent">{t("consent")}</label>,
        note("consent"),
      ];
    return (
      <fieldset class="cw-purposes">
        <legend>{t("consentChoose")}</legend>
        {ps.map((p, i) => {
          const k = "purpose-" + p.id;
          return (
            <div>
              <input id={"cw-" + k} name={k} type="checkbox" {...tie(k, p.required, p.required)} ref={i ? undefined : box} />
              <label for={"cw-" + k}>{t(p.label)}</label>
              {p.required && <span id={"cw-" + k + "-req"}> {t("requiredMark")}</span>}
              {note(k)}
            </div>
          );
        })}
      </fieldset>
    );
  }

  // what the first form sends (`extra`) and what is wrong (`wrong`, by field name)
  function check(feature, f, wrong, extra, s, t) {
    const ps = feature.purposes;
    const one = ps.length < 2;
    extra.consent_version = s.consent_version || "1";
    extra.consent_purposes = [];
    for (const p of ps) {
      const k = one ? "consent" : "purpose-" + p.id;
      if (f[k].checked) extra.consent_purposes.push(p.id);
      else if (p.required) wrong[k] = t("consentNeeded");
    }
  }
  return { Tab, Panel, Prechat, check };
}

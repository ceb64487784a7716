// Place "consent" (the core's own, for sites that ask for consent): a Privacy tab where the
// visitor sees what they consented to and withdraws or grants it again (`feature.event`); the
// server records each change and stops third-party analytics at once (docs/privacy.md).
// @jsxRuntime classic
// @jsx h

export default function (rt) {
  const { h, useEffect, useState } = rt;

  function Tab({ feature, view, setView, t }) {
    const v = "f:" + feature.id;
    return <button type="button" aria-current={view === v ? "page" : undefined} onClick={() => setView(v)}>{t("privacy")}</button>;
  }

  function Panel({ feature, client, view, t }) {
    const open = view === "f:" + feature.id;
    const online = client.status === "online";
    const [chosen, setChosen] = useState(null);
    const [note, setNote] = useState("");
    const answer = (ack) => {
      if (ack.ok) setChosen(ack.consent.purposes);
      setNote(ack.ok ? "" : ack.error.message || ack.error.code || "error");
      return ack;
    };
    useEffect(() => {
      if (open && online) client.call(feature.event, {}).then(answer);
    }, [open, online]);
    if (!open) return null;
    const save = (e) => {
      e.preventDefault();
      client.call(feature.event, { purposes: chosen }).then((ack) => answer(ack).ok && setNote(t("saved")));
    };
    return (
      <section class="cw-list cw-consent-tab" aria-labelledby={"cw-t-" + feature.id}>
        <h2 id={"cw-t-" + feature.id}>{t("privacy")}</h2>
        {chosen && (
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
        <p role="status">{note}</p>
      </section>
    );
  }
  return { Tab, Panel };
}

// Renders the fixed block vocabulary of core/chinwag/blocks.py from data only.
import { Link, Markdown, safeHref } from "./markdown.jsx";

function size(n) {
  return n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KB" : (n / 1048576).toFixed(1) + " MB";
}

// a language's name in the visitor's language ("fr" reads "French", "français" to a French
// visitor), else the code as given
function langName(code) {
  try {
    return new Intl.DisplayNames(document.documentElement.lang, { type: "language" }).of(code);
  } catch {
    return code;
  }
}

function Processing({ t }) {
  return <div class="cw-proc" role="status">{t("processing")}</div>;
}

// a list of its own in the log ("list, 3 items": read apart from the text, one choice at a time;
// ARIA roles, not <ul>: no list styles to undo here or in the inbox); once the visitor has
// answered the message, its buttons are spent (act.used): aria-disabled, still focusable. A pick
// says which message's chip it was (a `pick` block), so a typed look-alike is not counted as one
function Buttons({ buttons, act }) {
  return (
    <div class="cw-btns" role="list">
      {buttons.map((b) => (
        <div role="listitem">
          {b.url ? (
            <Link class="cw-chip" href={b.url}>{b.label}</Link>
          ) : (
            <button type="button" class="cw-chip" aria-disabled={act.used ? "true" : undefined} onClick={() => act.used || act.send(b.value || b.label, act.id && [{ type: "pick", message_id: act.id }])}>
              {b.label}
            </button>
          )}
        </div>
      ))}
    </div>
  );
}

// one choice per rating; afterwards the buttons stay (focus is not lost) with the choice pressed,
// and a status line (a live region present from the start) says what was chosen
function Rating({ block, act, t }) {
  const value = act.rated(block.id);
  const scale = block.scale || 5;
  return (
    <fieldset class="cw-rating">
      <legend>{block.prompt}</legend>
      {Array.from({ length: scale }, (_, i) => (
        <button
          type="button"
          class="cw-chip"
          aria-label={t("rate", { n: i + 1, m: scale })}
          aria-pressed={value ? String(value === i + 1) : undefined}
          aria-disabled={value ? "true" : undefined}
          onClick={() => value || act.rate(block.id, i + 1, scale)}
        >
          {i + 1}
        </button>
      ))}
      <p class="cw-note" role="status">{value ? t("rated", { n: value, m: scale }) : ""}</p>
    </fieldset>
  );
}

export function Block({ block, act, t }) {
  const b = block || {};
  switch (b.type) {
    case "text":
      return <div class="cw-text" dir="auto"><Markdown text={b.text} /></div>;
    case "image": {
      if (b.status === "processing" && !b.thumbnail_url) return <Processing t={t} />;
      const src = safeHref(b.thumbnail_url || b.url);
      return src ? (
        <Link class="cw-media" href={b.url} aria-label={b.alt || t("image")}>
          <img src={src} alt="" width={b.width} height={b.height} loading="lazy" />
        </Link>
      ) : null;
    }
    case "video": {
      if (b.status === "processing") return <Processing t={t} />;
      const src = safeHref(b.url);
      const cc = safeHref(b.captions_url);
      return src ? (
        <video class="cw-media" src={src} poster={safeHref(b.poster_url) || undefined} controls preload="metadata" crossOrigin={cc ? "anonymous" : undefined}>
          {cc && <track kind="captions" src={cc} srcLang={b.captions_lang || undefined} label={b.captions_lang ? langName(b.captions_lang) : "captions"} default />}
        </video>
      ) : null;
    }
    case "file":
      return (
        <Link class="cw-file" href={b.url} download={b.name}>
          <span class="cw-fname">{b.name}</span> <span class="cw-fsize">{size(b.size || 0)}</span>
        </Link>
      );
    case "suggestions":
      return <Buttons buttons={(b.items || []).map((label) => ({ label }))} act={act} />;
    case "buttons":
      return <Buttons buttons={b.buttons || []} act={act} />;
    case "rating":
      return <Rating block={b} act={act} t={t} />;
    case "card": {
      // a group named by its title, which is a heading (screen readers jump from card to card; a
      // role, not <h2>: the card keeps its look in the widget and the inbox)
      const img = safeHref(b.image_url);
      return (
        <div class="cw-card" role="group" aria-label={b.title}>
          {img && <img src={img} alt="" loading="lazy" />}
          <p class="cw-card-title" role="heading" aria-level="2">{b.url ? <Link href={b.url}>{b.title}</Link> : b.title}</p>
          {b.text && <Markdown text={b.text} />}
          {b.buttons && b.buttons.length > 0 && <Buttons buttons={b.buttons} act={act} />}
        </div>
      );
    }
    default:
      return null;
  }
}

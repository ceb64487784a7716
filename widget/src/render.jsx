// The widget's message renderer (Markdown subset and the block vocabulary), built as an ES module
// for the agent inbox so agents see messages exactly as visitors do: one renderer, not two copies.
// Interactive blocks (buttons, ratings) are the visitor's to use; the inbox shows them disabled.
import { render } from "preact";
import { Block } from "./blocks.jsx";
import en from "../../core/chinwag/widget_locales/en.json";
import { setStrings, translator } from "./i18n.js";
import { Markdown } from "./markdown.jsx";

// the inbox is in English: the widget's own English table (its one source of strings)
setStrings(en);
const t = translator();
const inert = { send() {}, rate() {}, rated: () => 0 };

function Body({ m }) {
  const blocks = m.blocks || [];
  return (
    <>
      {m.text && <div class="cw-text"><Markdown text={m.text} /></div>}
      {blocks.length > 0 && (
        <fieldset class="cw-blocks" disabled>
          {blocks.map((b) => (
            <Block block={b} act={inert} t={t} />
          ))}
        </fieldset>
      )}
    </>
  );
}

/** Render a message's text and blocks into `el` (re-rendering replaces the previous content). */
export function renderMessage(el, message) {
  render(<Body m={message} />, el);
}

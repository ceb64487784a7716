// A safe Markdown subset rendered to virtual DOM (never HTML): **bold**, *italic*, `code`,
// [links](https://…) and bare http(s) URLs, line breaks. Links are http(s) or Chinwag-relative only.

export function safeHref(url) {
  const u = String(url || "").trim();
  if (/^\/(?![\/\\])/.test(u)) return u;
  try {
    const p = new URL(u);
    return p.protocol === "http:" || p.protocol === "https:" ? p.href : null;
  } catch (e) {
    return null;
  }
}

export function Link({ href, children, ...rest }) {
  const safe = safeHref(href);
  if (!safe) return <span>{children}</span>;
  return (
    <a href={safe} target="_blank" rel="noopener noreferrer" {...rest}>
      {children}
    </a>
  );
}

const TOKEN =
  /\*\*([^*\n]+)\*\*|\*([^*\n]+)\*|_([^_\n]+)_|`([^`\n]+)`|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])/g;

function inline(text, depth) {
  const out = [];
  let last = 0;
  let m;
  const re = new RegExp(TOKEN.source, "g");
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const inner = (s) => (depth < 3 ? inline(s, depth + 1) : s);
    if (m[1]) out.push(<strong>{inner(m[1])}</strong>);
    else if (m[2] || m[3]) out.push(<em>{inner(m[2] || m[3])}</em>);
    else if (m[4]) out.push(<code>{m[4]}</code>);
    else if (m[5]) out.push(<Link href={m[6]}>{inner(m[5])}</Link>);
    else out.push(<Link href={m[7]}>{m[7]}</Link>);
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function Markdown({ text }) {
  const paras = String(text || "").split(/\n{2,}/);
  return paras.map((p) => (
    <p>
      {p.split("\n").map((line, i) => [i ? <br /> : null, inline(line, 0)])}
    </p>
  ));
}

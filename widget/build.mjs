// Builds the loader, the chat app and its feature chunks into core/chinwag/static/widget/ with
// content-hashed names, a manifest (names, SRI hashes, gzip sizes, the chunk of each feature type)
// and the size budgets checked at build time (docs/widget-features.md).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "core", "chinwag", "static", "widget");
// loader; the core chat (entry + what it imports statically + CSS); each feature chunk
export const BUDGETS = { loader: 2048, chat: 30720, feature: 8192 };

const common = {
  bundle: true,
  minify: true,
  write: false,
  target: ["es2020"],
  legalComments: "none",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
};
const gz = (data) => gzipSync(data, { level: 9 }).length;
const sri = (data) => "sha384-" + createHash("sha384").update(data).digest("base64");

async function bundle(entry, extra = {}) {
  const res = await build({ ...common, format: "iife", entryPoints: [join(here, "src", entry)], ...extra });
  return res.outputFiles[0].contents;
}

// Chinwag's server (python-socketio) has no WebTransport: leave that transport out of the bundle
const noWebTransport = {
  name: "no-webtransport",
  setup(b) {
    b.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/ }, (args) => ({
      contents: 'import { XHR } from "./polling-xhr.node.js"; import { WS } from "./websocket.node.js"; export const transports = { websocket: WS, polling: XHR };',
      resolveDir: dirname(args.path),
    }));
  },
};

// events.json names every event of both namespaces; the widget ships only the names its sources
// use (`S.MESSAGE_NEW`, ...): an inbox-only event costs the chat bundle nothing
const usedNames = new Set(
  readdirSync(join(here, "src"), { recursive: true })
    .filter((f) => /\.jsx?$/.test(f))
    .flatMap((f) => [...readFileSync(join(here, "src", f), "utf8").matchAll(/\.([A-Z][A-Z0-9_]+)\b/g)].map((m) => m[1])),
);
const usedEvents = {
  name: "used-events",
  setup(b) {
    b.onLoad({ filter: /core[\\/]chinwag[\\/]events\.json$/ }, (args) => {
      const data = JSON.parse(readFileSync(args.path, "utf8"));
      const pick = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => usedNames.has(k)));
      const parts = ["client", "server", "namespaces"].map((k) => `export const ${k} = ${JSON.stringify(pick(data[k]))};`);
      return { contents: parts.join("\n"), loader: "js" };
    });
  },
};

// the chat as ES modules: features/*.jsx are dynamic imports, so esbuild makes each a chunk
const chat = await build({
  ...common,
  format: "esm",
  splitting: true,
  metafile: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  absWorkingDir: here,
  entryPoints: { chat: "src/chat.jsx" },
  outdir: "dist",
  entryNames: "[name]-[hash]",
  chunkNames: "[name]-[hash]",
  plugins: [noWebTransport, usedEvents],
});

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });
const launcher = JSON.parse(readFileSync(join(here, "src", "launcher.json"), "utf8"));
// the launcher's styles travel in its per-site config (widget_assets.config), not in the loader
const launcherCss = new TextDecoder().decode(await bundle("launcher.css", { format: undefined, loader: { ".css": "css" } })).trim();
const manifest = { files: {}, sri: {}, gzip: {}, budgets: BUDGETS, launcher: { icons: launcher.icons, css: launcherCss } };

for (const [name, ext, data] of [
  ["loader", "js", await bundle("loader.js")],
  ["css", "css", await bundle("chat.css", { loader: { ".css": "css" }, format: undefined })],
]) {
  const hash = createHash("sha256").update(data).digest("hex").slice(0, 12);
  const file = `assets/${name}-${hash}.${ext}`;
  writeFileSync(join(out, file), data);
  manifest.files[name] = file;
  manifest.sri[name] = sri(data);
  manifest.gzip[name] = gz(data);
}

const data = {};
for (const f of chat.outputFiles) data["dist/" + basename(f.path)] = f.contents;
const outputs = chat.metafile.outputs;
for (const [path, bytes] of Object.entries(data)) writeFileSync(join(out, "assets", basename(path)), bytes);
const asset = (path) => "assets/" + basename(path);
// what a file pulls in before it runs (static imports, transitively)
function closure(path, seen = new Set()) {
  if (seen.has(path)) return seen;
  seen.add(path);
  for (const i of outputs[path].imports) if (i.kind === "import-statement") closure(i.path, seen);
  return seen;
}
const entry = Object.keys(outputs).find((p) => outputs[p].entryPoint === "src/chat.jsx");
const core = closure(entry);
manifest.files.chat = asset(entry);
manifest.sri.chat = sri(data[entry]);
manifest.preload = [...core].filter((p) => p !== entry).map((p) => ({ file: asset(p), sri: sri(data[p]) }));
manifest.gzip.chat = [...core].reduce((n, p) => n + gz(data[p]), 0);
manifest.gzip.chat_total = manifest.gzip.chat + manifest.gzip.css;
manifest.chunks = {};
manifest.gzip.features = {};
for (const [path, o] of Object.entries(outputs)) {
  const m = o.entryPoint && o.entryPoint.match(/^src\/features\/(\w+)\.jsx?$/);
  if (!m) continue;
  manifest.chunks[m[1]] = asset(path);
  manifest.gzip.features[m[1]] = [...closure(path)].filter((p) => !core.has(p)).reduce((n, p) => n + gz(data[p]), 0);
}
// every file the chat imports lazily (feature chunks and what they share), with its SRI hash: the
// chat page lists them in its import map's `integrity`, so the browser refuses a tampered chunk
manifest.lazy_sri = Object.fromEntries(Object.keys(data).filter((p) => !core.has(p) && p.endsWith(".js")).map((p) => [asset(p), sri(data[p])]));
manifest.all = Object.keys(data).map(asset);
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

// the same renderer as an ES module for the admin inbox (admin_ui), so both render messages alike
const renderer = await bundle("render.jsx", { format: "esm", jsx: "automatic", jsxImportSource: "preact" });
const adminOut = join(here, "..", "admin_ui", "chinwag_admin", "static", "render");
mkdirSync(adminOut, { recursive: true });
writeFileSync(join(adminOut, "widget-render.js"), renderer);

const over = [];
if (manifest.gzip.loader > BUDGETS.loader) over.push(`loader ${manifest.gzip.loader} B > ${BUDGETS.loader} B`);
if (manifest.gzip.chat_total > BUDGETS.chat) over.push(`chat ${manifest.gzip.chat_total} B > ${BUDGETS.chat} B`);
for (const [k, n] of Object.entries(manifest.gzip.features)) if (n > BUDGETS.feature) over.push(`feature ${k} ${n} B > ${BUDGETS.feature} B`);
const feats = Object.entries(manifest.gzip.features).map(([k, n]) => `${k} ${n}`).join(", ");
console.log(`widget: loader ${manifest.gzip.loader} B gzip, chat ${manifest.gzip.chat_total} B gzip; features: ${feats}`);
if (over.length) {
  console.error("widget size budget exceeded: " + over.join(", "));
  process.exit(1);
}

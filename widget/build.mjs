// Builds the loader and the chat app into core/chinwag/static/widget/ with content-hashed names,
// a manifest (names, SRI hashes, gzip sizes) and the size budgets checked at build time.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "core", "chinwag", "static", "widget");
export const BUDGETS = { loader: 2048, chat: 30720 };

const common = {
  bundle: true,
  minify: true,
  write: false,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
};

async function bundle(entry, extra = {}) {
  const res = await build({ ...common, entryPoints: [join(here, "src", entry)], ...extra });
  return res.outputFiles[0].contents;
}

const files = {
  loader: { ext: "js", data: await bundle("loader.js") },
  chat: {
    ext: "js",
    data: await bundle("chat.jsx", { jsx: "automatic", jsxImportSource: "preact" }),
  },
  css: { ext: "css", data: await bundle("chat.css", { format: undefined, loader: { ".css": "css" } }) },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });
const launcher = JSON.parse(readFileSync(join(here, "src", "launcher.json"), "utf8"));
// the launcher's styles travel in its per-site config (widget_assets.config), not in the loader
const launcherCss = new TextDecoder().decode(await bundle("launcher.css", { format: undefined, loader: { ".css": "css" } })).trim();
const manifest = { files: {}, sri: {}, gzip: {}, budgets: BUDGETS, launcher: { icons: launcher.icons, css: launcherCss } };
for (const [name, { ext, data }] of Object.entries(files)) {
  const hash = createHash("sha256").update(data).digest("hex").slice(0, 12);
  const file = `assets/${name}-${hash}.${ext}`;
  writeFileSync(join(out, file), data);
  manifest.files[name] = file;
  manifest.sri[name] = "sha384-" + createHash("sha384").update(data).digest("base64");
  manifest.gzip[name] = gzipSync(data, { level: 9 }).length;
}
manifest.gzip.chat_total = manifest.gzip.chat + manifest.gzip.css;
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

const over = [];
if (manifest.gzip.loader > BUDGETS.loader) over.push(`loader ${manifest.gzip.loader} B > ${BUDGETS.loader} B`);
if (manifest.gzip.chat_total > BUDGETS.chat) over.push(`chat ${manifest.gzip.chat_total} B > ${BUDGETS.chat} B`);
console.log(`widget: loader ${manifest.gzip.loader} B gzip, chat ${manifest.gzip.chat_total} B gzip`);
if (over.length) {
  console.error("widget size budget exceeded: " + over.join(", "));
  process.exit(1);
}

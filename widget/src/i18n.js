// The widget's strings come from the server (core/chinwag/widget_locales/, en.json the one source
// of keys): the frame's boot carries its language's table, `load` fetches another language's
// (Chinwag('setLocale', …)), so the bundle carries no strings. Placeholders are {name}.
let table = {};

export function setStrings(s) {
  table = s || {};
}

// "rtl" for right-to-left languages (each table says so)
export function dir() {
  return table.dir === "rtl" ? "rtl" : "ltr";
}

// a known key of the table (error codes are looked up with it)
export function has(key) {
  return Object.prototype.hasOwnProperty.call(table, key);
}

export function load(locale) {
  return fetch("/widget/strings/" + encodeURIComponent(locale) + ".json", { credentials: "omit" })
    .then((r) => r.json())
    .then((d) => setStrings(d.strings));
}

export function translator() {
  return (key, vars) => (table[key] || key).replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? vars[k] : ""));
}

// Strings of the feature chunks (each chunk carries its own table; English is the fallback). Not
// in the core: the chunks that need it share it (esbuild makes it a small chunk of their own).
export function local(table) {
  return (key, vars) => {
    const l = (document.documentElement.lang || "en").toLowerCase().split(/[-_]/)[0];
    return ((table[l] || table.en)[key] || table.en[key] || key).replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? vars[k] : ""));
  };
}

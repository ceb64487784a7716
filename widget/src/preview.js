// The admin designer's live preview: settings checked against the rules the server derives from
// core/chinwag/schemas.py WidgetSettings (widget_assets.preview_rules), so the same keys,
// patterns, ranges, choices and lengths apply as when they are saved.
function valid(r, v) {
  if (v === null) return !!r.null;
  if (r.type === "boolean") return typeof v === "boolean";
  if (r.type === "list") return Array.isArray(v) && v.every((x) => valid(r.item, x));
  if (r.type === "integer" ? !Number.isInteger(v) : typeof v !== "string") return false;
  if (r.type === "url") {
    try {
      if (!r.schemes.includes(new URL(v).protocol.slice(0, -1))) return false;
    } catch (e) {
      return false;
    }
  }
  if (r.pattern && !new RegExp("^(?:" + r.pattern + ")").test(v)) return false;
  if (r.choices && !r.choices.includes(v)) return false;
  if ((r.min != null && v < r.min) || (r.max != null && v > r.max)) return false;
  return !((r.min_len != null && v.length < r.min_len) || (r.max_len != null && v.length > r.max_len));
}

// {settings: the accepted keys, rejected: the names of unknown or invalid keys}
export function checkPreview(rules, input) {
  const settings = {};
  const rejected = [];
  if (!input || typeof input !== "object" || Array.isArray(input)) return { settings, rejected: ["settings"] };
  for (const k of Object.keys(input)) {
    if (Object.prototype.hasOwnProperty.call(rules, k) && valid(rules[k], input[k])) settings[k] = input[k];
    else rejected.push(k);
  }
  return { settings, rejected };
}

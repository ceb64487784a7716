// The designer's accessibility checks: whatever the enabled theme-check plugins report about the
// unsaved settings (POST /api/v1/widget-settings/check answers their `findings`). The core judges
// nothing itself, so with no such plugin this shows nothing at all. A one-line summary is the
// polite live region (read once per change); the list below it is not live, so a screen reader
// is not flooded while the owner types.
import { h } from '../lib.js';

const SEVERITY = { error: 'Fails', warning: 'Warning', advice: 'Advice' };

/** `apply(setting, value)` puts a suggested value into the form. */
export function designChecks(apply) {
  const summary = h('p', { role: 'status', class: 'warn', id: 'contrast' });
  const list = h('ul', { class: 'findings', id: 'findings', 'aria-label': 'Accessibility findings' });
  const box = h('section', { class: 'design-checks', 'aria-labelledby': 'checks-title', hidden: true },
    h('h2', { id: 'checks-title' }, 'Accessibility checks'), summary, list);

  function item(f) {
    const head = `${SEVERITY[f.severity] || f.severity}: ${f.criterion} ${f.title}`;
    const parts = [h('strong', {}, head), ' ', f.message];
    if (f.fix) parts.push(' ', h('span', { class: 'muted' }, f.fix));
    if (f.setting && f.suggested_value) {
      const name = f.setting.replace(/_/g, ' ');
      parts.push(' ', h('button', { type: 'button', class: 'link', onclick: () => apply(f.setting, f.suggested_value) },
        `Use ${f.suggested_value} for ${name}`));
    }
    return h('li', { 'data-severity': f.severity, 'data-criterion': f.criterion }, ...parts);
  }

  function show(findings) {
    const all = Array.isArray(findings) ? findings : [];
    const errors = all.filter((f) => f.severity === 'error');
    box.hidden = all.length === 0;
    list.replaceChildren(...all.map(item));
    summary.dataset.low = errors.length ? 'true' : 'false';
    if (!all.length) { summary.textContent = ''; return; }
    const rest = all.length - errors.length;
    summary.textContent = errors.length
      ? `Fails WCAG 2.2 AA: ${errors.length} ${errors.length === 1 ? 'problem' : 'problems'}${rest ? `, and ${rest} more to consider` : ''}. ${errors[0].message}`
      : `Meets WCAG 2.2 AA; ${rest} ${rest === 1 ? 'suggestion' : 'suggestions'}.`;
  }
  return { box, show };
}

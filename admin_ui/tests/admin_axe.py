"""axe-core in a Playwright page: the admin's accessibility check, with one rule of our own that
axe has not: a form field's hint is its description (``aria-describedby``), so a screen reader
says it with the field (WCAG 1.3.1, 3.3.2)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Error as PlaywrightError


def axe_violations(pg: Any, source: str) -> list[dict[str, Any]]:
    """Run axe-core in the page (WCAG 2.x A/AA rules) and return its violations."""
    if not pg.evaluate("() => !!window.axe"):
        pg.evaluate(source)  # evaluated through DevTools: the page's CSP does not apply
    for attempt in range(3):
        try:
            return _run(pg) + undescribed_hints(pg)
        except PlaywrightError as err:
            # axe walks the DOM for seconds on a busy machine: a live inbox that re-renders a
            # row meanwhile (a panel, an annotation arriving) breaks its selector builder with
            # "reading 'nthChild'"; that is no finding, so look again once the page settled
            if "nthChild" not in str(err) or attempt == 2:
                raise
            pg.wait_for_timeout(500)
    raise AssertionError("unreachable")


def _run(pg: Any) -> list[dict[str, Any]]:
    result = pg.evaluate(
        """async () => {
          const r = await window.axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
          return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return list(result)


#: a hint: small print in a form or a field (not an error slot or a live status), or any ``.hint``
HINTS = """() => {
  const hints = document.querySelectorAll('form small, .field small, fieldset small, .hint');
  const out = [];
  for (const hint of hints) {
    if (hint.closest('[hidden]') || hint.matches('.error, .field-error, [role=status], [role=alert], [aria-live]')) continue;
    if (!hint.textContent.trim()) continue;
    const described = hint.id && [...document.querySelectorAll('[aria-describedby]')]
      .some((el) => el.getAttribute('aria-describedby').split(/\\s+/).includes(hint.id));
    if (!described) out.push(hint.textContent.trim().slice(0, 80));
  }
  return out;
}"""


def undescribed_hints(pg: Any) -> list[dict[str, Any]]:
    """Hints of admin form fields that no field names in its ``aria-describedby``, as violations
    (``hint-not-described``, the hints' texts as its nodes); none: ``[]``."""
    texts = pg.evaluate(HINTS)
    return [{"id": "hint-not-described", "impact": "serious", "nodes": texts}] if texts else []

"""axe-core in a Playwright page: the admin's accessibility check."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Error as PlaywrightError


def axe_violations(pg: Any, source: str) -> list[dict[str, Any]]:
    """Run axe-core in the page (WCAG 2.x A/AA rules) and return its violations."""
    if not pg.evaluate("() => !!window.axe"):
        pg.evaluate(source)  # evaluated through DevTools: the page's CSP does not apply
    for attempt in range(3):
        try:
            return _run(pg)
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

"""chinwag-a11y: WCAG 2.2 checks as a product feature (docs/a11y.md).

Theme checks in the widget designer (:mod:`chinwag_a11y.theme`), wording checks
(:mod:`chinwag_a11y.content`), advice on what agents send (:mod:`chinwag_a11y.outbound`),
visitor display preferences (:mod:`chinwag_a11y.preferences`) and the on-demand audit in
headless Chromium (:mod:`chinwag_a11y.audit`).
"""

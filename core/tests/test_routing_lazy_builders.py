""":class:`chinwag.routing.LazyBuilderRule` builds exactly the URLs werkzeug's own rules build
(its builders are compiled on first use instead of at start-up), and the app uses it."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.routing import Map, Rule

from chinwag.routing import LazyBuilderRule

RULES = [
    ("/api/v1/sites/<int:site_id>", "site"),
    ("/static/<path:filename>", "static"),
    ("/chat/<site_key>", "chat"),
    ("/kb/<int:site_id>/<slug>", "article"),
    ("/healthz", "health"),
]
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("site", {"site_id": 12}),
    ("site", {"site_id": 12, "q": "a b", "page": 2}),
    ("static", {"filename": "widget/assets/chat-ab12.js"}),
    ("chat", {"site_key": "pk_é x"}),
    ("article", {"site_id": 3, "slug": "reset-your-password", "lang": "fr"}),
    ("health", {}),
]


def _adapter(rule_class: type[Rule]) -> Any:
    rules = [rule_class(path, endpoint=endpoint) for path, endpoint in RULES]
    return Map(rules).bind("chat.example.com", url_scheme="https")


@pytest.mark.parametrize(("endpoint", "values"), CALLS)
def test_lazy_builders_build_what_werkzeug_builds(endpoint: str, values: dict[str, Any]) -> None:
    lazy, eager = _adapter(LazyBuilderRule), _adapter(Rule)
    for full in (False, True):
        first = lazy.build(endpoint, values, force_external=full)
        assert first == eager.build(endpoint, values, force_external=full)
        assert lazy.build(endpoint, values, force_external=full) == first  # once compiled


def test_the_app_uses_lazy_builders_and_its_urls_resolve(chinwag_app: Any) -> None:
    assert chinwag_app.url_rule_class is LazyBuilderRule
    with chinwag_app.test_request_context():
        from flask import url_for

        assert url_for("static", filename="x.css") == "/static/x.css"
    assert chinwag_app.test_client().get("/healthz").status_code == 200

"""Plugin API 1.3: ``rate_limit`` on plugin routes (429 ``rate_limited`` with Retry-After, the
core's limiter, listed in the OpenAPI document)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chinwag_plugin_api import (
    RoutesProvider,
    StrictSchema,
    current_actor,
    endpoint,
    rate_limit,
)
from flask import Blueprint
from marshmallow import fields

from chinwag.testing import VisitorClient, register_plugin


class SearchQuery(StrictSchema):
    q = fields.String(required=True)


# docs/writing-plugins.md quotes these routes ("Rate limits on routes")
bp = Blueprint("api13_search", __name__)


@endpoint(bp, "/search", query=SearchQuery, roles=("visitor",))
@rate_limit("search", per_minute=3, key="visitor")
def search(query: dict[str, Any]) -> Any:
    """Search the help articles."""
    return {"q": query["q"], "visitor": current_actor().id}


@endpoint(bp, "/ping", roles=None)
@rate_limit("ping", per_minute=2)  # key="ip": callers with no token
def ping() -> Any:
    """A public route."""
    return {"pong": True}


class Search(RoutesProvider):
    def blueprint(self) -> Blueprint:
        return bp


def test_a_visitor_past_the_limit_is_told_when_to_retry(
    chinwag_app: Any, chinwag_client: Any, visitor_client: Callable[..., VisitorClient]
) -> None:
    register_plugin(chinwag_app, "chinwag-search13", Search)
    ann, bob = visitor_client(), visitor_client()
    url = "/api/v1/plugins/chinwag-search13/search?q=refund"
    for _ in range(3):
        res = chinwag_client.get(url, headers=ann.headers)
        assert res.status_code == 200 and res.get_json()["visitor"] == ann.visitor_id
    res = chinwag_client.get(url, headers=ann.headers)
    assert res.status_code == 429
    error = res.get_json()["error"]
    assert error["code"] == "rate_limited" and 0 < error["retry_after_ms"] <= 60_000
    assert 1 <= int(res.headers["Retry-After"]) <= 60
    # another visitor has a budget of their own; a bad query is refused before it counts
    assert chinwag_client.get(url, headers=bob.headers).status_code == 200
    assert chinwag_client.get(url + "&x=1", headers=bob.headers).status_code == 400
    assert chinwag_client.get(url, headers=bob.headers).status_code == 200
    # nobody signed in: 401 before the limit is looked at
    assert chinwag_client.get(url).get_json()["error"]["code"] == "unauthorized"


def test_a_public_route_is_limited_per_address(chinwag_app: Any, chinwag_client: Any) -> None:
    register_plugin(chinwag_app, "chinwag-search13", Search)
    url = "/api/v1/plugins/chinwag-search13/ping"
    assert [chinwag_client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert chinwag_client.get(url, environ_base=other).status_code == 200


def test_the_openapi_document_lists_the_429(chinwag_app: Any, chinwag_client: Any) -> None:
    register_plugin(chinwag_app, "chinwag-search13", Search)
    spec = chinwag_client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/plugins/chinwag-search13/search"]["get"]
    assert "Retry-After" in op["responses"]["429"]["headers"]
    assert "3 calls a minute per visitor" in op["responses"]["429"]["description"]
    assert "429" in spec["paths"]["/api/v1/plugins/chinwag-search13/ping"]["get"]["responses"]


def test_a_misplaced_or_malformed_rate_limit_fails_at_import() -> None:
    other = Blueprint("api13_other", __name__)
    with pytest.raises(TypeError, match="below @endpoint"):

        @rate_limit("x")
        @endpoint(other, "/x", roles=None)
        def view() -> Any:
            return {}

    for bad in (
        {"name": "has space"},
        {"name": "x", "per_minute": 0},
        {"name": "x", "key": "site"},
    ):
        with pytest.raises(ValueError):
            rate_limit(**bad)


def test_the_walk_through_quotes_the_tested_code() -> None:
    """docs/writing-plugins.md shows the 1.3 examples exactly as these tests run them."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "writing-plugins.md").read_text()
    for path, start, end in (
        ("core/tests/test_api13_context.py", "class Concierge", "\n\n\ndef _concierge"),
        (
            "core/tests/test_api13_routes.py",
            '@endpoint(bp, "/search"',
            '\n\n\n@endpoint(bp, "/ping"',
        ),
        ("core/chinwag/plugin_examples.py", "class GreeterCommands", "\n\n\n# end example"),
    ):
        source = (root / path).read_text()
        begin = source.index(start)
        assert source[begin : source.index(end, begin)] in doc, f"the walk-through misses {path}"

"""The summary route's input checks, its place in the OpenAPI document, who may call it, and
privacy requests (aggregates only; per-conversation rows go with the visitor)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chinwag.testing import deliver_analytics

PLUGIN = "chinwag-analytics"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


BAD_QUERIES = [
    ("from=2030-02-01&to=2030-01-01", "to"),
    ("from=yesterday", "from"),
    ("site_id=0", "site_id"),
    ("site_id=abc", "site_id"),
    ("site_id=4294967296", "site_id"),
    ("from=2020-01-01&to=2029-01-01", "to"),
    ("color=blue", "color"),
    ("from=0001-01-01", "from"),  # with today as the end: far too long
]

#: input checks do not depend on the database: one app for them all
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_bad_query_input_is_a_validation_error(
    analytics_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    for query, field in BAD_QUERIES:
        res = chinwag_client.get(f"/api/v1/analytics/summary?{query}", headers=_auth(admin_token))
        assert res.status_code == 400, (query, res.get_json())
        error = res.get_json()["error"]
        assert error["code"] == "validation_error", query
        assert field in str(error), (query, error)
        assert error.get("message"), query
    # the last days a date can name: answered, not a crash
    res = chinwag_client.get(
        "/api/v1/analytics/summary?from=9999-12-01&to=9999-12-31", headers=_auth(admin_token)
    )
    assert res.status_code == 200 and len(res.get_json()["days"]) == 31
    res = chinwag_client.get("/api/v1/analytics/summary?to=0001-01-02", headers=_auth(admin_token))
    assert res.status_code == 200 and len(res.get_json()["days"]) == 2


@SQLITE_ONLY
def test_admins_only_and_in_the_openapi_document(
    analytics_app: Any, chinwag_client: Any, agent_client: Callable[..., Any]
) -> None:
    assert chinwag_client.get("/api/v1/analytics/summary").status_code == 401
    agent = agent_client()
    res = chinwag_client.get("/api/v1/analytics/summary", headers=agent.headers)
    assert res.status_code == 403
    paths = chinwag_client.get("/api/v1/openapi.json").get_json()["paths"]
    params = {p["name"] for p in paths["/api/v1/analytics/summary"]["get"]["parameters"]}
    assert {"site_id", "from", "to"} <= params


def test_privacy_exports_nothing_and_erasure_keeps_only_counts(
    analytics_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., Any],
) -> None:
    visitor = visitor_client()
    assert visitor.send("hello")["ok"]
    visitor.wait_for_reply()
    deliver_analytics(analytics_app)
    h = _auth(admin_token)
    url = f"/api/v1/analytics/summary?site_id={demo_site['id']}"
    assert chinwag_client.get(url, headers=h).get_json()["first_response"]["count"] == 1
    out = chinwag_client.get(f"/api/v1/visitors/{visitor.visitor_id}/export", headers=h).json
    assert "aggregate" in out["plugins"][PLUGIN]["note"]
    res = chinwag_client.delete(f"/api/v1/visitors/{visitor.visitor_id}", headers=h)
    assert res.status_code in (200, 204)
    after = chinwag_client.get(url, headers=h).get_json()
    assert after["first_response"]["count"] == 0  # the timing row named the visitor: gone
    assert after["totals"]["conversations"] == 1  # the daily count names nobody: kept

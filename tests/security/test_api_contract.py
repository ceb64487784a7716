"""The REST API against its own OpenAPI document (issue 21): timestamps are RFC 3339 UTC with an
offset everywhere (REST, socket events, exports), path ids are bounded in the document as in
the routes, and every 405 says what is allowed."""

from __future__ import annotations

import re
from typing import Any

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)$")


def _stamps(value: Any, key: str = "") -> list[tuple[str, Any]]:
    """Every ``*_at`` value in a JSON document."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _stamps(v, k)]
    if isinstance(value, list):
        return [s for v in value for s in _stamps(v, key)]
    return [(key, value)] if key.endswith("_at") and value is not None else []


def test_every_timestamp_is_rfc3339_utc(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_session: Any,
    socket_client: Any,
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    session = visitor_session()
    sock = socket_client(
        "/widget",
        {"site_key": demo_site["site_key"], "visitor_token": session["visitor_token"]},
        origin="https://shop.example",
    )
    ack = sock.emit(
        "message.send", {"client_msg_id": "t1", "text": "hi"}, namespace="/widget", callback=True
    )
    assert ack["ok"], ack
    found = _stamps(session) + _stamps(ack)
    for path in (
        "/api/v1/sites",
        f"/api/v1/sites/{demo_site['id']}",
        "/api/v1/users",
        "/api/v1/conversations",
        f"/api/v1/visitors/{session['visitor_id']}/export",
        "/api/v1/audit",
    ):
        res = chinwag_client.get(path, headers=auth)
        assert res.status_code == 200, (path, res.get_json())
        found += _stamps(res.get_json())
    keys = {k for k, _v in found}
    assert {"created_at", "expires_at", "updated_at"} <= keys, keys
    bad = [(k, v) for k, v in found if not (isinstance(v, str) and RFC3339_UTC.match(v))]
    assert not bad, bad
    sock.disconnect(namespace="/widget")


def test_the_document_bounds_path_ids_as_the_routes_do(chinwag_client: Any) -> None:
    spec = chinwag_client.get("/api/v1/openapi.json").get_json()
    ints = [
        p["schema"]
        for ops in spec["paths"].values()
        for op in ops.values()
        for p in op.get("parameters", [])
        if p.get("in") == "path" and p["schema"].get("type") == "integer"
    ]
    assert ints and all(s == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1} for s in ints)


def test_every_405_carries_allow(chinwag_app: Any, chinwag_client: Any) -> None:
    checked = 0
    for rule in chinwag_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "<" in rule.rule:
            continue
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - set(rule.methods or ()):
            res = chinwag_client.open(rule.rule, method=method)
            if res.status_code != 405:
                continue
            checked += 1
            allowed = {m.strip() for m in res.headers.get("Allow", "").split(",")}
            assert set(rule.methods or ()) - {"HEAD", "OPTIONS"} <= allowed, (rule.rule, method)
            assert res.get_json()["error"]["code"] == "method_not_allowed"
    assert checked > 10

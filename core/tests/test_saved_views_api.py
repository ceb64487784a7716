"""Saved inbox views over REST (SQLite and PostgreSQL): each agent's own, names unique per
agent, at most 50, every input validated with a stable code, gone when their user is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

URL = "/api/v1/inbox/views"
BILLING = {
    "assignee": "mine",
    "status": "open",
    "q": "refund",
    "label": "billing",
    "team": 3,
    "site": 2,
    "since": "2026-11-01",
    "until": "",
}


def test_an_agent_saves_lists_and_deletes_their_views(
    chinwag_client: FlaskClient, agent_client: Callable[..., Any]
) -> None:
    ana, bob = agent_client(), agent_client()
    assert chinwag_client.get(URL, headers=ana.headers).get_json() == []
    res = chinwag_client.post(
        URL, json={"name": "  My refunds ", "filters": BILLING}, headers=ana.headers
    )
    assert res.status_code == 201, res.get_json()
    saved = res.get_json()
    assert saved["name"] == "My refunds" and saved["filters"] == BILLING
    # missing filters take the inbox's defaults
    res = chinwag_client.post(
        URL, json={"name": "Closed", "filters": {"status": "closed"}}, headers=ana.headers
    )
    assert res.get_json()["filters"] == {
        "assignee": "all",
        "status": "closed",
        "q": "",
        "label": "",
        "team": None,
        "site": None,
        "since": "",
        "until": "",
    }
    listed = chinwag_client.get(URL, headers=ana.headers).get_json()
    assert [v["name"] for v in listed] == ["My refunds", "Closed"]

    # the same name again is refused, for the same agent only
    res = chinwag_client.post(URL, json={"name": "My refunds", "filters": {}}, headers=ana.headers)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "view_exists"
    res = chinwag_client.post(URL, json={"name": "My refunds", "filters": {}}, headers=bob.headers)
    assert res.status_code == 201
    assert [v["name"] for v in chinwag_client.get(URL, headers=bob.headers).get_json()] == [
        "My refunds"
    ]

    # another agent's view is not theirs to delete
    res = chinwag_client.delete(f"{URL}/{saved['id']}", headers=bob.headers)
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"
    assert chinwag_client.delete(f"{URL}/{saved['id']}", headers=ana.headers).status_code == 204
    assert [v["name"] for v in chinwag_client.get(URL, headers=ana.headers).get_json()] == [
        "Closed"
    ]
    res = chinwag_client.delete(f"{URL}/{saved['id']}", headers=ana.headers)
    assert res.status_code == 404
    assert chinwag_client.get(URL).status_code == 401


def test_view_input_is_validated(
    chinwag_client: FlaskClient, agent_client: Callable[..., Any]
) -> None:
    agent = agent_client()
    for body in (
        {},
        {"name": "x"},
        {"name": "", "filters": {}},
        {"name": "   ", "filters": {}},
        {"name": "x" * 41, "filters": {}},
        {"name": "two\nlines", "filters": {}},
        {"name": 5, "filters": {}},
        {"name": "x", "filters": []},
        {"name": "x", "filters": {"status": "deleted"}},
        {"name": "x", "filters": {"assignee": "someone"}},
        {"name": "x", "filters": {"team": 0}},
        {"name": "x", "filters": {"team": "3"}},
        {"name": "x", "filters": {"q": "x" * 201}},
        {"name": "x", "filters": {"colour": "red"}},
        {"name": "x", "filters": {}, "user_id": 1},
    ):
        res = chinwag_client.post(URL, json=body, headers=agent.headers)
        assert res.status_code == 400, (body, res.get_json())
        assert res.get_json()["error"]["code"] == "validation_error", body
    res = chinwag_client.post(URL, data="nope", headers=agent.headers)
    assert res.status_code == 400
    assert chinwag_client.delete(f"{URL}/99999999999999", headers=agent.headers).status_code in (
        400,
        404,
    )
    assert chinwag_client.get(URL, headers=agent.headers).get_json() == []


def test_at_most_fifty_views(chinwag_client: FlaskClient, agent_client: Callable[..., Any]) -> None:
    agent = agent_client()
    for n in range(50):
        res = chinwag_client.post(URL, json={"name": f"v{n}", "filters": {}}, headers=agent.headers)
        assert res.status_code == 201
    res = chinwag_client.post(URL, json={"name": "one more", "filters": {}}, headers=agent.headers)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "too_many_views"
    assert len(chinwag_client.get(URL, headers=agent.headers).get_json()) == 50


def test_erasing_a_user_removes_their_views(
    chinwag_app: Flask, chinwag_client: FlaskClient, agent_client: Callable[..., Any]
) -> None:
    from sqlalchemy import func, select

    from chinwag.extensions import db
    from chinwag.models import User
    from chinwag.saved_views import SavedView

    agent, other = agent_client(), agent_client()
    for who in (agent, other):
        chinwag_client.post(URL, json={"name": "mine", "filters": {}}, headers=who.headers)
    me = chinwag_client.get("/api/v1/auth/me", headers=agent.headers).get_json()["id"]
    with chinwag_app.app_context():
        db.session.delete(db.session.get(User, me))
        db.session.commit()
        owners = db.session.execute(select(SavedView.user_id)).scalars().all()
        assert me not in owners and len(owners) == 1
        assert db.session.execute(select(func.count()).select_from(SavedView)).scalar_one() == 1


def test_views_are_in_the_openapi_document(chinwag_client: FlaskClient) -> None:
    spec = chinwag_client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"][URL])
    assert "delete" in spec["paths"][URL + "/{view_id}"]
    assert "ViewIn" in spec["components"]["schemas"]

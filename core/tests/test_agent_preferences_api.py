"""Each agent's notification preferences on the server (SQLite and PostgreSQL): the defaults
until saved, saved and read back by the same agent only, every input refused with a stable
code, gone with their user, described in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

URL = "/api/v1/profile/preferences"
QUIET = {"events": "mentions", "sound": True, "desktop": False}


def test_an_agent_keeps_their_own_preferences(
    chinwag_client: FlaskClient, agent_client: Callable[..., Any]
) -> None:
    ana, bob = agent_client(), agent_client("admin")
    res = chinwag_client.get(URL, headers=ana.headers)
    assert res.status_code == 200
    assert res.get_json() == {
        "notifications": {"events": "all", "sound": False, "desktop": True},
        "updated_at": None,
    }
    res = chinwag_client.put(URL, json={"notifications": QUIET}, headers=ana.headers)
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["notifications"] == QUIET and res.get_json()["updated_at"]
    assert chinwag_client.get(URL, headers=ana.headers).get_json()["notifications"] == QUIET
    # another user (an admin too) still has the defaults, and their change leaves Ana's alone
    assert chinwag_client.get(URL, headers=bob.headers).get_json()["updated_at"] is None
    loud = {"events": "all", "sound": True, "desktop": True}
    assert (
        chinwag_client.put(URL, json={"notifications": loud}, headers=bob.headers).status_code
        == 200
    )
    assert chinwag_client.get(URL, headers=ana.headers).get_json()["notifications"] == QUIET
    # saved again: replaced, not added
    off = {"events": "off", "sound": False, "desktop": False}
    chinwag_client.put(URL, json={"notifications": off}, headers=ana.headers)
    assert chinwag_client.get(URL, headers=ana.headers).get_json()["notifications"] == off
    assert chinwag_client.get(URL).status_code == 401
    assert chinwag_client.put(URL, json={"notifications": off}).status_code == 401


def test_preferences_input_is_validated(
    chinwag_client: FlaskClient, agent_client: Callable[..., Any]
) -> None:
    agent = agent_client()
    for body in (
        {},
        {"notifications": {}},
        {"notifications": {"events": "all", "sound": False}},
        {"notifications": {**QUIET, "events": "everything"}},
        {"notifications": {**QUIET, "events": None}},
        {"notifications": {**QUIET, "sound": "yes"}},
        {"notifications": {**QUIET, "desktop": 1}},
        {"notifications": {**QUIET, "volume": 11}},
        {"notifications": QUIET, "user_id": 1},
        {"notifications": [QUIET]},
    ):
        res = chinwag_client.put(URL, json=body, headers=agent.headers)
        assert res.status_code == 400, (body, res.get_json())
        assert res.get_json()["error"]["code"] == "validation_error", body
    assert chinwag_client.put(URL, data="nope", headers=agent.headers).status_code == 400
    assert chinwag_client.get(URL, headers=agent.headers).get_json()["updated_at"] is None


def test_deleting_a_user_removes_their_preferences(
    chinwag_app: Flask, chinwag_client: FlaskClient, agent_client: Callable[..., Any]
) -> None:
    from sqlalchemy import select

    from chinwag.extensions import db
    from chinwag.models import User
    from chinwag.preferences import UserPreferences

    agent, other = agent_client(), agent_client()
    for who in (agent, other):
        chinwag_client.put(URL, json={"notifications": QUIET}, headers=who.headers)
    me = chinwag_client.get("/api/v1/auth/me", headers=agent.headers).get_json()["id"]
    with chinwag_app.app_context():
        db.session.delete(db.session.get(User, me))
        db.session.commit()
        owners = db.session.execute(select(UserPreferences.user_id)).scalars().all()
        assert me not in owners and len(owners) == 1


def test_preferences_are_in_the_openapi_document(chinwag_client: FlaskClient) -> None:
    spec = chinwag_client.get("/api/v1/openapi.json").get_json()
    assert {"get", "put"} <= set(spec["paths"][URL])
    schemas = spec["components"]["schemas"]
    assert "PreferencesIn" in schemas
    events = schemas["NotificationPreferences"]["properties"]["events"]
    assert events["enum"] == ["all", "new", "mentions", "off"]

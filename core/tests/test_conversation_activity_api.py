"""A conversation's activity timeline (SQLite and PostgreSQL): a team change appears as an entry
naming the team and the agent, beside the conversation's other agent actions; only agents who
may see the conversation read it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def test_a_team_change_is_in_the_conversation_activity(
    chinwag_app: Flask,
    chinwag_client: FlaskClient,
    visitor_client: Callable[..., Any],
    agent_client: Callable[..., Any],
) -> None:
    admin = agent_client("admin")
    chinwag_client.patch("/api/v1/profile", json={"display_name": "Ana"}, headers=admin.headers)
    res = chinwag_client.post("/api/v1/teams", json={"name": "Billing"}, headers=admin.headers)
    assert res.status_code == 201, res.get_json()
    billing = res.get_json()["id"]
    conv = visitor_client().send("hello")["conversation"]["id"]
    url = f"/api/v1/inbox/conversations/{conv}/activity"
    assert chinwag_client.get(url, headers=admin.headers).get_json() == {"activity": []}

    assert admin.emit("conversation.close", {"conversation_id": conv})["ok"]
    team_url = f"/api/v1/inbox/conversations/{conv}/team"
    res = chinwag_client.put(team_url, json={"team_id": billing}, headers=admin.headers)
    assert res.status_code == 200, res.get_json()
    chinwag_client.put(team_url, json={"team_id": None}, headers=admin.headers)

    got = chinwag_client.get(url, headers=admin.headers).get_json()["activity"]
    me = chinwag_client.get("/api/v1/auth/me", headers=admin.headers).get_json()
    name = me.get("name") or me["email"]
    assert [(e["action"], e["actor_name"], e["team_name"]) for e in got] == [
        ("conversation.close", name, None),
        ("conversation.team", name, "Billing"),
        ("conversation.team", name, None),
    ]
    assert got[1]["details"] == {"team_id": billing}

    # an agent of no site (unscoped agents see none) reads neither the conversation nor this
    chinwag_app.config["CHINWAG_UNSCOPED_AGENTS"] = "none"
    agent = agent_client()
    res = chinwag_client.get(url, headers=agent.headers)
    assert res.status_code == 404
    assert chinwag_client.get(url).status_code == 401

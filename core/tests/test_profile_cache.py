"""The author's name on an agent's messages follows every change to the account at once, however
it is made (the send path keeps what it read of a profile: chinwag.profiles)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def _me(client: FlaskClient, agent: Any) -> int:
    return int(client.get("/api/v1/auth/me", headers=agent.headers).get_json()["id"])


def test_an_admin_rename_and_a_direct_write_show_on_the_next_answer(
    chinwag_app: Flask,
    chinwag_client: FlaskClient,
    admin_token: str,
    visitor_client: Callable[..., Any],
    agent_client: Callable[..., Any],
) -> None:
    from chinwag.models import User
    from chinwag.testing import app_session

    agent = agent_client()
    me = _me(chinwag_client, agent)
    visitor = visitor_client()
    conv = visitor.send("hello")["conversation"]["id"]

    def answer(text: str) -> dict[str, Any]:
        assert agent.send(text, conversation_id=conv)["ok"]
        got = visitor.wait_for("message.new", lambda d: d["message"]["text"] == text)
        return dict(got["message"])

    first = answer("one")["author_name"]
    assert first and "@" not in first
    # an admin renames the account (the users API, not the agent's profile page)
    res = chinwag_client.patch(
        f"/api/v1/users/{me}",
        json={"name": "Renamed Agent"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200, res.get_json()
    assert answer("two")["author_name"] == "Renamed Agent"
    # a write straight through a database session (as a script or the CLI would make)
    with app_session(chinwag_app) as session:
        user = session.get(User, me)
        assert user is not None
        user.display_name = "Desk"
        user.avatar_url = "https://cdn.example/desk.png"
        session.commit()
    got = answer("three")
    assert (got["author_name"], got["author_avatar_url"]) == (
        "Desk",
        "https://cdn.example/desk.png",
    )
    # the agents' copies name the author the same way
    agent_copy = agent.wait_for("message.new", lambda d: d["message"]["text"] == "three")
    assert agent_copy["message"]["author_name"] == "Desk"

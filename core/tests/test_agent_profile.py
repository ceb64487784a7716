"""An agent's public profile: what visitors see of them (name, avatar, never the email), and a
site's installation check (last origins, last load, origin errors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def _me(client: FlaskClient, agent: Any) -> int:
    return int(client.get("/api/v1/auth/me", headers=agent.headers).get_json()["id"])


def test_agent_sets_a_public_name_and_avatar_visitors_see(
    chinwag_client: FlaskClient,
    visitor_client: Callable[..., Any],
    agent_client: Callable[..., Any],
) -> None:
    agent = agent_client()
    res = chinwag_client.get("/api/v1/profile", headers=agent.headers)
    assert res.status_code == 200
    # no display name yet: visitors see the account's name, never the email
    account = res.get_json()["public_name"]
    assert res.get_json() == {"display_name": None, "avatar_url": None, "public_name": account}
    assert account and "@" not in account
    visitor = visitor_client()
    conv = visitor.send("hello")["conversation"]["id"]
    agent.emit(
        "conversation.assign", {"conversation_id": conv, "user_id": _me(chinwag_client, agent)}
    )
    ack = agent.send("first answer", conversation_id=conv)
    assert ack["ok"]
    got = visitor.wait_for("message.new", lambda d: d["message"]["text"] == "first answer")
    assert got["message"]["author_name"] == account
    assert got["message"]["author_avatar_url"] is None
    assert "@" not in str(got)

    res = chinwag_client.patch(
        "/api/v1/profile",
        json={"display_name": " Ana ", "avatar_url": "https://cdn.example/ana.png"},
        headers=agent.headers,
    )
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["public_name"] == "Ana"
    agent.send("second answer", conversation_id=conv)
    got = visitor.wait_for("message.new", lambda d: d["message"]["text"] == "second answer")
    assert got["message"]["author_name"] == "Ana"
    assert got["message"]["author_avatar_url"] == "https://cdn.example/ana.png"
    # the visitor's conversation names the agent who answers (the widget's typing line)
    listed = visitor.emit("conversation.list", {})["conversations"]
    assert listed[0]["agent_name"] == "Ana"
    # a sync shows the earlier message under the new name too
    synced = visitor.emit("conversation.sync", {"conversation_id": conv, "after_seq": 0})
    assert [m["author_name"] for m in synced["messages"] if m["author_kind"] == "agent"] == [
        "Ana",
        "Ana",
    ]


def test_profile_input_is_validated(
    chinwag_client: FlaskClient, agent_client: Callable[..., Any]
) -> None:
    agent = agent_client()
    for body in (
        {"avatar_url": "javascript:alert(1)"},
        {"display_name": "x" * 81},
        {"email": "other@example.com"},
    ):
        res = chinwag_client.patch("/api/v1/profile", json=body, headers=agent.headers)
        assert res.status_code == 400, body
        assert res.get_json()["error"]["code"] == "validation_error"
    assert chinwag_client.get("/api/v1/profile").status_code == 401
    # clearing: back to the account's name
    res = chinwag_client.patch(
        "/api/v1/profile", json={"display_name": "", "avatar_url": None}, headers=agent.headers
    )
    assert res.get_json()["display_name"] is None and res.get_json()["avatar_url"] is None
    assert res.get_json()["public_name"].startswith("agent-")


def test_installation_check_records_origins_loads_and_errors(
    chinwag_app: Flask, chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    url = f"/api/v1/sites/{demo_site['id']}/install"
    assert chinwag_client.get(url, headers=admin).get_json() == {
        "last_load_at": None,
        "origins": [],
        "errors": [],
        "unknown_keys": [],
    }
    key = demo_site["site_key"]
    page = {"Referer": "https://shop.example/pricing?x=1"}
    assert chinwag_client.get(f"/widget/config/{key}.js", headers=page).status_code == 200
    # an origin not on the allow-list: the loader warns in the console, the admin sees it here
    chinwag_client.get(f"/widget/config/{key}.js", headers={"Referer": "https://evil.example/"})
    res = chinwag_client.get(f"/widget/frame/{key}?host=https://staging.example")
    assert res.status_code == 403
    got = chinwag_client.get(url, headers=admin).get_json()
    assert got["last_load_at"]
    assert [o["origin"] for o in got["origins"]] == ["https://shop.example"]
    assert [(e["code"], e["origin"]) for e in got["errors"]] == [
        ("origin_not_allowed", "https://staging.example"),
        ("origin_not_allowed", "https://evil.example"),
    ]
    # writes are bounded: the same origin again within the minute writes nothing
    before = got
    chinwag_client.get(f"/widget/config/{key}.js", headers=page)
    assert chinwag_client.get(url, headers=admin).get_json() == before
    # admins only; a missing site is a 404 with a code
    agent_token = _agent_token(chinwag_app, chinwag_client)
    res = chinwag_client.get(url, headers={"Authorization": f"Bearer {agent_token}"})
    assert res.status_code == 403
    res = chinwag_client.get("/api/v1/sites/999999/install", headers=admin)
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "site_not_found"


def _agent_token(app: Flask, client: FlaskClient) -> str:
    from chinwag.testing import create_user, login

    create_user(app, "agent-install@example.com", "correct horse battery", "agent")
    return login(client, "agent-install@example.com", "correct horse battery")


def test_an_agent_without_an_account_is_named_by_the_stored_name_never_an_email(
    chinwag_app: Flask,
) -> None:
    from types import SimpleNamespace

    from chinwag.profiles import author_of

    def msg(name: str | None) -> Any:
        return SimpleNamespace(id=1, author_kind="agent", author_user_id=None, author_name=name)

    with chinwag_app.app_context():
        assert author_of(msg("Ann")) == ("Ann", None)
        assert author_of(msg("ann@example.com")) == (None, None)
        assert author_of(msg(None)) == (None, None)
        bot = SimpleNamespace(id=2, author_kind="bot", author_name="Helper")
        assert author_of(bot) == ("Helper", None)

"""The audit log keeps what agents do to conversations and every sign-in attempt, as an admin
reads it at ``GET /api/v1/audit``: who, what, which conversation, the address — never a note's
text or a password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chinwag.testing import ADMIN_EMAIL, ADMIN_PASSWORD, create_user


def _entries(client: Any, token: str, **query: str) -> list[dict[str, Any]]:
    res = client.get(
        "/api/v1/audit", query_string=query, headers={"Authorization": f"Bearer {token}"}
    )
    assert res.status_code == 200, res.get_json()
    return list(res.get_json()["entries"])


def test_conversation_actions_are_audited(
    chinwag_client, admin_token, agent_client, visitor_client
):
    visitor = visitor_client()
    assert visitor.send("hello, my secret order is 42")["ok"]
    conv = visitor.conversation_id
    agent = agent_client("admin")
    me = chinwag_client.get("/api/v1/auth/me", headers=agent.headers).get_json()

    assert agent.emit("conversation.assign", {"conversation_id": conv, "user_id": me["id"]})["ok"]
    assert agent.emit("conversation.assign", {"conversation_id": conv, "user_id": None})["ok"]
    assert agent.emit("conversation.close", {"conversation_id": conv})["ok"]
    assert agent.emit("conversation.reopen", {"conversation_id": conv})["ok"]
    base = f"/api/v1/inbox/conversations/{conv}"
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    assert (
        chinwag_client.put(
            f"{base}/snooze", json={"until": until}, headers=agent.headers
        ).status_code
        == 200
    )
    res = chinwag_client.put(
        f"{base}/labels", json={"labels": ["refund", "vip"]}, headers=agent.headers
    )
    assert res.status_code == 200
    note = "the customer's card ends 4242"
    assert (
        chinwag_client.post(f"{base}/notes", json={"text": note}, headers=agent.headers).status_code
        == 201
    )
    team = chinwag_client.post(
        "/api/v1/teams", json={"name": "Billing"}, headers=agent.headers
    ).get_json()
    res = chinwag_client.put(f"{base}/team", json={"team_id": team["id"]}, headers=agent.headers)
    assert res.status_code == 200

    rows = _entries(chinwag_client, admin_token, target_type="conversation", target_id=str(conv))
    assert [r["action"] for r in reversed(rows)] == [
        "conversation.assign",
        "conversation.unassign",
        "conversation.close",
        "conversation.reopen",
        "conversation.snooze",
        "conversation.labels",
        "conversation.note",
        "conversation.team",
    ]
    assert {r["actor"] for r in rows} == {me["email"]}
    by_action = {r["action"]: r["details"] for r in rows}
    assert by_action["conversation.assign"]["user_id"] == me["id"]
    assert by_action["conversation.labels"] == {"labels": ["refund", "vip"]}
    assert by_action["conversation.snooze"]["until"].startswith(until[:16])
    assert by_action["conversation.team"] == {"team_id": team["id"]}
    assert "4242" not in str(rows)  # the note's text is never copied
    # the visitor's own doings are the conversation's history, not audit entries
    assert visitor.emit("conversation.close", {"conversation_id": conv})["ok"]
    assert (
        len(_entries(chinwag_client, admin_token, target_id=str(conv), action="conversation.close"))
        == 1
    )


def test_sign_ins_are_audited_with_address_and_never_the_password(chinwag_app, chinwag_client):
    create_user(chinwag_app, ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
    wrong = {"email": ADMIN_EMAIL, "password": "not the right one"}
    env = {"REMOTE_ADDR": "203.0.113.7"}
    assert (
        chinwag_client.post("/api/v1/auth/login", json=wrong, environ_base=env).status_code == 401
    )
    nobody = {"email": "nobody@example.com", "password": "whatever12"}
    assert (
        chinwag_client.post("/api/v1/auth/login", json=nobody, environ_base=env).status_code == 401
    )
    good = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    res = chinwag_client.post("/api/v1/auth/login", json=good, environ_base=env)
    assert res.status_code == 200
    token = res.get_json()["access_token"]

    rows = _entries(chinwag_client, token, q="auth.sign_in")
    assert [(r["action"], r["actor"], r["details"]) for r in reversed(rows)] == [
        (
            "auth.sign_in_failed",
            ADMIN_EMAIL,
            {"method": "password", "address": "203.0.113.7", "code": "invalid_credentials"},
        ),
        (
            "auth.sign_in_failed",
            "nobody@example.com",
            {"method": "password", "address": "203.0.113.7", "code": "invalid_credentials"},
        ),
        ("auth.sign_in", ADMIN_EMAIL, {"method": "password", "address": "203.0.113.7"}),
    ]
    assert "not the right one" not in str(rows) and ADMIN_PASSWORD not in str(rows)
    # searching by address finds them
    assert len(_entries(chinwag_client, token, q="203.0.113.7")) == 3


def test_locked_account_sign_in_is_audited(chinwag_app, chinwag_client):
    create_user(chinwag_app, "lock@example.com", ADMIN_PASSWORD, "admin")
    for _ in range(6):
        chinwag_client.post(
            "/api/v1/auth/login", json={"email": "lock@example.com", "password": "wrong-wrong"}
        )
    create_user(chinwag_app, ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
    token = chinwag_client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ).get_json()["access_token"]
    codes = [
        r["details"].get("code") for r in _entries(chinwag_client, token, actor="lock@example.com")
    ]
    assert "account_locked" in codes and "invalid_credentials" in codes

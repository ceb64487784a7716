"""The inbox's list views (/api/v1/inbox): unread counts only the visitor's messages, waiting time
starts at the first unanswered visitor message, previews name attachments, a visitor's history;
on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from chinwag.testing import create_user, login

PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rows(client: Any, token: str, **query: str) -> dict[int, dict[str, Any]]:
    res = client.get("/api/v1/inbox/conversations", query_string=query, headers=bearer(token))
    assert res.status_code == 200, res.get_json()
    return {r["id"]: r for r in res.get_json()}


def test_inbox_list_counts_unread_visitor_messages_and_waiting_time(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_session: Any,
    socket_client: Any,
) -> None:
    start = visitor_session()
    visitor = socket_client(
        "/widget",
        {"site_key": demo_site["site_key"], "visitor_token": start["visitor_token"]},
        origin="https://shop.example",
    )
    agent = socket_client("/agent", {"token": admin_token})

    def visitor_says(key: str, **body: Any) -> dict[str, Any]:
        ack = visitor.emit(
            "message.send", {"client_msg_id": key, **body}, namespace="/widget", callback=True
        )
        assert ack["ok"], ack
        return dict(ack["message"])

    def agent_says(key: str, conv: int, text: str) -> dict[str, Any]:
        ack = agent.emit(
            "message.send",
            {"conversation_id": conv, "client_msg_id": key, "text": text},
            namespace="/agent",
            callback=True,
        )
        assert ack["ok"], ack
        return dict(ack["message"])

    first = visitor_says("v1", text="Hello?")
    conv = first["conversation_id"]
    visitor_says("v2", conversation_id=conv, text="Anyone there?")
    row = rows(chinwag_client, admin_token)[conv]
    assert row["unread"] == 2 and row["site_name"] == "Test site"
    assert row["waiting_since"] is not None
    assert row["last_message"]["preview"] == "Anyone there?"
    assert row["visitor"]["id"] == row["visitor_id"]

    agent_says("a1", conv, "Hi, **how** can I help?")
    read = agent.emit(
        "conversation.read",
        {"conversation_id": conv, "seq": 3},
        namespace="/agent",
        callback=True,
    )
    assert read["ok"], read
    row = rows(chinwag_client, admin_token)[conv]
    assert row["unread"] == 0 and row["waiting_since"] is None
    assert row["last_message"] == {
        "author_kind": "agent",
        "author_name": row["last_message"]["author_name"],
        "preview": "Hi, **how** can I help?",
        "created_at": row["last_message"]["created_at"],
    }

    late = visitor_says("v3", conversation_id=conv, text="My order   is\nlate " + "x" * 200)
    row = rows(chinwag_client, admin_token)[conv]
    assert row["last_message"]["preview"] == ("My order is late " + "x" * 200)[:139] + "…"
    assert row["waiting_since"] is not None and late["seq"] == 4
    agent_says("a2", conv, "Looking into it")  # the agent's own reply is never unread
    row = rows(chinwag_client, admin_token)[conv]
    assert row["last_seq"] - row["agent_read_seq"] == 2
    assert row["unread"] == 1
    assert row["waiting_since"] is None  # answered
    visitor_says("v4", conversation_id=conv, text="Thanks")
    row = rows(chinwag_client, admin_token)[conv]
    assert row["unread"] == 2 and row["waiting_since"] is not None

    # filters: mine/unassigned, closed
    assert conv in rows(chinwag_client, admin_token, assignee="unassigned")
    assert conv not in rows(chinwag_client, admin_token, assignee="mine")
    assert conv not in rows(chinwag_client, admin_token, status="closed")
    bad = chinwag_client.get(
        "/api/v1/inbox/conversations?assignee=everyone", headers=bearer(admin_token)
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"

    # a visitor's history, newest first
    second = visitor_says("v5", text="A new question")
    history = chinwag_client.get(
        f"/api/v1/inbox/visitors/{row['visitor']['id']}/conversations", headers=bearer(admin_token)
    )
    assert history.status_code == 200
    assert [r["id"] for r in history.get_json()] == [second["conversation_id"], conv]
    missing = chinwag_client.get(
        "/api/v1/inbox/visitors/999999/conversations", headers=bearer(admin_token)
    )
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_inbox_views_need_an_agent(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, visitor_session: Any
) -> None:
    start = visitor_session()
    for path in ("/api/v1/inbox/conversations", "/api/v1/inbox/visitors/1/conversations"):
        assert chinwag_client.get(path).status_code == 401
        res = chinwag_client.get(
            path, headers={"Authorization": f"Visitor {start['visitor_token']}"}
        )
        assert res.status_code == 401
    create_user(chinwag_app, "agent@example.com", PASSWORD, "agent")
    agent = login(chinwag_client, "agent@example.com", PASSWORD)
    assert (
        chinwag_client.get("/api/v1/inbox/conversations", headers=bearer(agent)).status_code == 200
    )


def test_preview_names_attachments() -> None:
    from chinwag.api.inbox import preview
    from chinwag.models import Message

    files = Message(text="", blocks=[{"type": "file", "name": "invoice.pdf"}, {"type": "rating"}])
    assert preview(files) == "file: invoice.pdf, rating"
    assert preview(Message(text="  two\n\nlines ", blocks=[])) == "two lines"

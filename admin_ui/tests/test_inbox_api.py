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


def widget_socket(site: dict[str, Any], visitor_session: Any, socket_client: Any) -> Any:
    """A new visitor's /widget test socket on the demo site."""
    start = visitor_session()
    return socket_client(
        "/widget",
        {"site_key": site["site_key"], "visitor_token": start["visitor_token"]},
        origin="https://shop.example",
    )


def test_inbox_list_counts_unread_visitor_messages_and_waiting_time(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_session: Any,
    socket_client: Any,
) -> None:
    visitor = widget_socket(demo_site, visitor_session, socket_client)
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

    # search over the visitor and every message (not only the last), case-insensitive
    assert conv in rows(chinwag_client, admin_token, q="ANYONE THERE")
    assert conv in rows(chinwag_client, admin_token, q="looking")
    assert rows(chinwag_client, admin_token, q="100%_") == {}  # LIKE wildcards are literal

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


def test_canned_responses_per_site_unique_shortcuts_and_roles(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    c, h = chinwag_client, bearer(admin_token)
    site = demo_site["id"]
    made = c.post(
        "/api/v1/canned-responses",
        json={"shortcut": "hello", "title": "Greeting", "text": "Hi {visitor.name}!"},
        headers=h,
    )
    assert made.status_code == 201, made.get_json()
    local = c.post(
        "/api/v1/canned-responses",
        json={"shortcut": "refund", "title": "Refunds", "text": "30 days.", "site_id": site},
        headers=h,
    )
    assert local.status_code == 201
    # a shortcut is unique where it applies: the site's own and every site's
    clash = c.post(
        "/api/v1/canned-responses",
        json={"shortcut": "hello", "title": "Again", "text": "x", "site_id": site},
        headers=h,
    )
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "shortcut_taken"
    bad = c.post(
        "/api/v1/canned-responses",
        json={"shortcut": "Has Spaces", "title": "", "text": "x"},
        headers=h,
    )
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["details"]) == {"shortcut", "title"}
    missing = c.post(
        "/api/v1/canned-responses",
        json={"shortcut": "x", "title": "x", "text": "x", "site_id": 99999},
        headers=h,
    )
    assert missing.status_code == 404

    create_user(chinwag_app, "agent@example.com", PASSWORD, "agent")
    agent = bearer(login(c, "agent@example.com", PASSWORD))
    listed = c.get(f"/api/v1/canned-responses?site_id={site}", headers=agent).get_json()
    assert [r["shortcut"] for r in listed] == ["hello", "refund"]
    other = c.post("/api/v1/sites", json={"name": "Other"}, headers=h).get_json()["id"]
    listed = c.get(f"/api/v1/canned-responses?site_id={other}", headers=agent).get_json()
    assert [r["shortcut"] for r in listed] == ["hello"]
    # agents read; only admins write
    refused = c.post(
        "/api/v1/canned-responses", json={"shortcut": "a", "title": "a", "text": "a"}, headers=agent
    )
    assert refused.status_code == 403
    rid = local.get_json()["id"]
    changed = c.patch(f"/api/v1/canned-responses/{rid}", json={"text": "60 days."}, headers=h)
    assert changed.status_code == 200 and changed.get_json()["text"] == "60 days."
    assert c.delete(f"/api/v1/canned-responses/{rid}", headers=h).status_code == 204
    assert c.delete(f"/api/v1/canned-responses/{rid}", headers=h).status_code == 404
    actions = [e["action"] for e in c.get("/api/v1/audit", headers=h).get_json()["entries"]]
    assert {"canned.create", "canned.update", "canned.delete"} <= set(actions)


def test_labels_replace_filter_and_validate(
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_session: Any,
    socket_client: Any,
) -> None:
    """Labels are replaced as a set, filter the list, and are validated."""
    visitor = widget_socket(demo_site, visitor_session, socket_client)
    ack = visitor.emit(
        "message.send", {"client_msg_id": "l1", "text": "hi"}, namespace="/widget", callback=True
    )
    conv = ack["message"]["conversation_id"]
    c, h = chinwag_client, bearer(admin_token)
    url = f"/api/v1/inbox/conversations/{conv}/labels"
    res = c.put(url, json={"labels": ["vip", "billing", "vip"]}, headers=h)
    assert res.status_code == 200 and res.get_json() == {"labels": ["billing", "vip"]}
    assert rows(c, admin_token)[conv]["labels"] == ["billing", "vip"]
    assert conv in rows(c, admin_token, label="vip")
    assert rows(c, admin_token, label="bug") == {}
    assert c.get("/api/v1/inbox/labels", headers=h).get_json() == {"labels": ["billing", "vip"]}
    bad = c.put(url, json={"labels": ["Not OK!"]}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"
    assert c.put(url, json={"labels": []}, headers=h).get_json() == {"labels": []}
    assert rows(c, admin_token)[conv]["labels"] == []
    missing = c.put("/api/v1/inbox/conversations/999999/labels", json={"labels": []}, headers=h)
    assert missing.status_code == 404
    assert c.put(url, json={"labels": ["x"]}).status_code == 401

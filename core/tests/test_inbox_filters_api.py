"""The inbox's site and date filters over REST (SQLite and PostgreSQL): ``GET /api/v1/inbox/sites``
lists only the sites an agent sees, ``site_id``, ``created_after`` and ``created_before`` narrow
the list (times with any offset), bad times are refused with ``validation_error`` (never a 500),
and saved views keep the site and the days."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from test_search_inbox import bearer, chat, visitor_on

from chinwag.testing import ADMIN_PASSWORD, create_site, create_user, login


def listed(http: FlaskClient, token: str, **query: str) -> set[int]:
    res = http.get("/api/v1/inbox/conversations", query_string=query, headers=bearer(token))
    assert res.status_code == 200, res.get_json()
    return {r["id"] for r in res.get_json()}


def test_site_and_date_filters_and_the_agents_sites(
    chinwag_app: Flask, chinwag_client: FlaskClient, socket_client: Any
) -> None:
    sites = {
        "a": create_site(chinwag_app, "Alpha shop", ("https://a.example",)),
        "b": create_site(chinwag_app, "Beta shop", ("https://b.example",)),
    }
    tokens, ids = {}, {}
    for role in ("admin", "alpha"):
        email = f"{role}-{uuid.uuid4().hex[:6]}@example.com"
        ids[role] = create_user(
            chinwag_app, email, ADMIN_PASSWORD, "admin" if role == "admin" else "agent"
        )
        tokens[role] = login(chinwag_client, email, ADMIN_PASSWORD)
    res = chinwag_client.post(
        "/api/v1/teams",
        json={"name": "Alpha", "site_ids": [sites["a"]["id"]], "user_ids": [ids["alpha"]]},
        headers=bearer(tokens["admin"]),
    )
    assert res.status_code == 201, res.get_json()
    convs = {
        key: chat(
            visitor_on(chinwag_client, socket_client, sites[key], f"https://{key}.example"), "hi"
        )
        for key in ("a", "b")
    }
    # Beta's conversation started three days ago
    from chinwag.extensions import db
    from chinwag.models import Conversation

    with chinwag_app.app_context():
        db.session.execute(
            update(Conversation)
            .where(Conversation.id == convs["b"])
            .values(created_at=datetime.now(UTC) - timedelta(days=3))
        )
        db.session.commit()

    # the Site filter's choices: every site for an admin, the team's for an agent
    res = chinwag_client.get("/api/v1/inbox/sites", headers=bearer(tokens["admin"]))
    assert res.status_code == 200 and res.get_json() == [
        {"id": sites["a"]["id"], "name": "Alpha shop"},
        {"id": sites["b"]["id"], "name": "Beta shop"},
    ]
    res = chinwag_client.get("/api/v1/inbox/sites", headers=bearer(tokens["alpha"]))
    assert res.get_json() == [{"id": sites["a"]["id"], "name": "Alpha shop"}]
    assert chinwag_client.get("/api/v1/inbox/sites").status_code == 401

    admin = tokens["admin"]
    assert listed(chinwag_client, admin, site_id=str(sites["b"]["id"])) == {convs["b"]}
    # a day ago, written in another time zone: the same instant
    day_ago = (datetime.now(UTC) - timedelta(days=1)).astimezone(timezone(timedelta(hours=5)))
    assert listed(chinwag_client, admin, created_after=day_ago.isoformat()) == {convs["a"]}
    assert listed(chinwag_client, admin, created_before=day_ago.isoformat()) == {convs["b"]}
    week_ago = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    assert listed(
        chinwag_client, admin, created_after=week_ago, created_before=day_ago.isoformat()
    ) == {convs["b"]}
    # an agent's filters never widen their scope
    assert listed(chinwag_client, tokens["alpha"], site_id=str(sites["b"]["id"])) == set()
    assert listed(chinwag_client, tokens["alpha"], created_before=day_ago.isoformat()) == set()

    # a time without an offset, not a time, or one outside the calendar in UTC: refused
    for bad in (
        "2026-12-01T00:00:00",
        "yesterday",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
    ):
        res = chinwag_client.get(
            "/api/v1/inbox/conversations",
            query_string={"created_after": bad},
            headers=bearer(admin),
        )
        assert res.status_code == 400, (bad, res.get_json())
        body = res.get_json()["error"]
        assert body["code"] == "validation_error" and "created_after" in body["details"], bad
    # the same kind of time as a snooze: refused as one (it was a 500)
    res = chinwag_client.put(
        f"/api/v1/inbox/conversations/{convs['a']}/snooze",
        json={"until": "0001-01-01T00:00:00+05:00"},
        headers=bearer(admin),
    )
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "bad_snooze"


def test_saved_views_keep_the_site_and_the_days(
    chinwag_client: FlaskClient, admin_token: str
) -> None:
    filters = {"site": 4, "since": "2026-11-01", "until": "2026-11-30", "status": "closed"}
    res = chinwag_client.post(
        "/api/v1/inbox/views",
        json={"name": "November", "filters": filters},
        headers=bearer(admin_token),
    )
    assert res.status_code == 201, res.get_json()
    saved = res.get_json()["filters"]
    assert {k: saved[k] for k in filters} == filters
    for bad in ({"since": "2026-1-1"}, {"until": "2026-11-30\n"}, {"site": "4"}, {"site": 0}):
        res = chinwag_client.post(
            "/api/v1/inbox/views",
            json={"name": f"bad {bad}", "filters": bad},
            headers=bearer(admin_token),
        )
        assert res.status_code == 400, (bad, res.get_json())
        assert res.get_json()["error"]["code"] == "validation_error"


def test_preview_names_attachments() -> None:
    """The inbox list's one-line preview of a message (moved here from the admin's tests, which
    use only chinwag.testing)."""
    from chinwag.api.inbox import preview
    from chinwag.models import Message

    files = Message(text="", blocks=[{"type": "file", "name": "invoice.pdf"}, {"type": "rating"}])
    assert preview(files) == "file: invoice.pdf, rating"
    assert preview(Message(text="  two\n\nlines ", blocks=[])) == "two lines"

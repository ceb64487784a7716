"""Retention deletes exactly what is older than the site's windows and not on legal hold; the
admin's preview says so first; holds and windows are set over REST and audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chinwag_plugin_api import ScheduledJob
from sqlalchemy import select, update


def _chat(
    socket_client: Any, site: dict[str, Any], visitor_session: Any, text: str
) -> dict[str, Any]:
    s = visitor_session()
    v = socket_client(
        "/widget", {"site_key": site["site_key"], "visitor_token": s["visitor_token"]}
    )
    ack = v.emit(
        "message.send", {"client_msg_id": "m", "text": text}, namespace="/widget", callback=True
    )
    assert ack["ok"], ack
    return {"visitor_id": s["visitor_id"], "conversation_id": ack["message"]["conversation_id"]}


def test_retention_deletes_what_is_older_than_the_window_and_not_held(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_session: Any,
    demo_site: dict[str, Any],
    socket_client: Any,
) -> None:
    from chinwag import retention
    from chinwag.actions.base import now
    from chinwag.extensions import db
    from chinwag.models import AuditEntry, Conversation, Message, Visitor

    h = {"Authorization": f"Bearer {admin_token}"}
    old = _chat(socket_client, demo_site, visitor_session, "old")
    edge = _chat(socket_client, demo_site, visitor_session, "just inside the window")
    held = _chat(socket_client, demo_site, visitor_session, "old but held")
    fresh = _chat(socket_client, demo_site, visitor_session, "fresh")
    gone_quiet = visitor_session()["visitor_id"]
    seen = visitor_session()["visitor_id"]
    at = now()
    with chinwag_app.app_context():
        for chat, days in ((old, 31), (edge, 29), (held, 40), (fresh, 0)):
            db.session.execute(
                update(Conversation)
                .where(Conversation.id == chat["conversation_id"])
                .values(updated_at=at - timedelta(days=days))
            )
        # the held conversation's visitor and one without conversations have been away 100 days
        for vid, days in ((held["visitor_id"], 100), (gone_quiet, 100), (seen, 89)):
            db.session.execute(
                update(Visitor)
                .where(Visitor.id == vid)
                .values(last_seen_at=at - timedelta(days=days))
            )
        db.session.commit()

    # windows and hold over REST, validated and audited
    url = f"/api/v1/sites/{demo_site['id']}/retention"
    bad = chinwag_client.put(
        url, json={"conversation_days": 0, "visitor_inactive_days": None}, headers=h
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"
    res = chinwag_client.put(
        url, json={"conversation_days": 30, "visitor_inactive_days": 90}, headers=h
    )
    assert res.status_code == 200, res.get_json()
    hold = chinwag_client.put(
        f"/api/v1/conversations/{held['conversation_id']}/legal-hold",
        json={"reason": "case 7"},
        headers=h,
    ).get_json()
    assert (
        hold["held"] is True
        and hold["reason"] == "case 7"
        and hold["set_by"] == "admin@example.com"
    )
    missing = chinwag_client.put("/api/v1/conversations/999999/legal-hold", json={}, headers=h)
    assert missing.status_code == 404

    # the preview: the old conversation and the quiet visitor, nothing held
    preview = chinwag_client.get(url, headers=h).get_json()
    assert preview["next_run"] == {"conversations": 1, "visitors": 1, "held_conversations": 1}
    assert preview["conversation_days"] == 30 and preview["visitor_inactive_days"] == 90

    with chinwag_app.app_context():
        host = chinwag_app.extensions["chinwag"].plugins
        jobs = [type(j).__name__ for _r, j in host.extensions(ScheduledJob.namespace)]
        assert "RetentionJob" in jobs
        assert retention.run_all(at) == {demo_site["id"]: {"conversations": 1, "visitors": 1}}
        left = set(db.session.execute(select(Conversation.id)).scalars())
        assert left == {edge["conversation_id"], held["conversation_id"], fresh["conversation_id"]}
        texts = set(db.session.execute(select(Message.text)).scalars())
        assert texts == {"just inside the window", "old but held", "fresh"}
        visitors = set(db.session.execute(select(Visitor.id)).scalars())
        assert gone_quiet not in visitors and {held["visitor_id"], seen} <= visitors
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "retention.run")
        ).scalar_one()
        assert entry.details == {"conversations": 1, "visitors": 1}
        # a second run finds nothing more
        assert retention.run_all(at) == {demo_site["id"]: {"conversations": 0, "visitors": 0}}

    # released, the held conversation goes on the next run
    released = chinwag_client.delete(
        f"/api/v1/conversations/{held['conversation_id']}/legal-hold", headers=h
    ).get_json()
    assert released["held"] is False
    assert chinwag_client.get(url, headers=h).get_json()["next_run"]["conversations"] == 1
    with chinwag_app.app_context():
        assert retention.run_all(at)[demo_site["id"]]["conversations"] == 1
        assert db.session.get(Conversation, held["conversation_id"]) is None


def test_retention_in_small_batches_and_admins_only(
    chinwag_app: Any,
    chinwag_client: Any,
    visitor_session: Any,
    demo_site: dict[str, Any],
    socket_client: Any,
) -> None:
    from chinwag import retention
    from chinwag.actions.base import now
    from chinwag.extensions import db
    from chinwag.models import Conversation
    from chinwag.testing import create_user, login

    chats = [_chat(socket_client, demo_site, visitor_session, f"m{i}") for i in range(5)]
    with chinwag_app.app_context():
        db.session.execute(update(Conversation).values(updated_at=now() - timedelta(days=10)))
        db.session.add(retention.RetentionPolicy(site_id=demo_site["id"], conversation_days=1))
        db.session.commit()
        assert retention.run_site(demo_site["id"], batch=2) == {"conversations": 5, "visitors": 0}
        assert db.session.execute(select(Conversation.id)).first() is None
    assert len(chats) == 5

    create_user(chinwag_app, "agent@example.com", "agent password 1", "agent")
    token = login(chinwag_client, "agent@example.com", "agent password 1")
    res = chinwag_client.get(
        f"/api/v1/sites/{demo_site['id']}/retention", headers={"Authorization": f"Bearer {token}"}
    )
    assert res.status_code == 403

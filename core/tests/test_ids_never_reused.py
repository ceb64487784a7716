"""Ids are never reused (issue 19): on SQLite an ``INTEGER PRIMARY KEY`` without
``AUTOINCREMENT`` hands the next row the highest free id, so a visitor created after an erasure
could get the erased visitor's id — and with it whatever still names that id outside the
database (audit entries, a third-party sink's profile, an agent's saved draft of a
conversation). Visitors, conversations and messages are AUTOINCREMENT tables on SQLite; on
PostgreSQL their sequences never go back anyway."""

from __future__ import annotations

from typing import Any


def test_an_erased_visitors_ids_are_not_given_to_the_next_visitor(
    chinwag_client: Any, admin_token: str, visitor_client: Any
) -> None:
    first = visitor_client()
    message = first.send("hello")["message"]
    erased = (first.visitor_id, message["conversation_id"], message["id"])
    res = chinwag_client.delete(
        f"/api/v1/visitors/{first.visitor_id}",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200, res.get_json()

    second = visitor_client()
    again = second.send("hi")["message"]
    fresh = (second.visitor_id, again["conversation_id"], again["id"])
    assert all(new > old for new, old in zip(fresh, erased, strict=True)), (erased, fresh)


def test_the_sqlite_rebuild_keeps_every_row_child_and_search(tmp_path: Any) -> None:
    """0023 rebuilds the three tables: rows, their children (no cascade on the drop), the
    message search triggers and the foreign keys survive; then an erased top id stays used."""
    from sqlalchemy import text

    from chinwag.extensions import db
    from chinwag.testing import dispose, make_app, migrate

    app = make_app(tmp_path, revision="0022_verified_email")
    rows = [
        "INSERT INTO sites (id, name, site_key, allowed_origins, widget_settings, identity_secret,"
        " identity_required, created_at) VALUES (1, 's', 'k', '[]', '{}', 'x', 0, '2026-01-01')",
        "INSERT INTO visitors (id, site_id, verified, attributes, created_at, last_seen_at)"
        " VALUES (1, 1, 0, '{}', '2026-01-01', '2026-01-01'),"
        " (2, 1, 0, '{}', '2026-01-01', '2026-01-01')",
        "INSERT INTO conversations (id, site_id, visitor_id, status, assignee_kind, last_seq,"
        " visitor_read_seq, agent_read_seq, created_at, updated_at)"
        " VALUES (7, 1, 2, 'open', 'none', 1, 0, 0, '2026-01-01', '2026-01-01')",
        "INSERT INTO messages (id, conversation_id, seq, sender, author_kind, text, blocks,"
        " annotations, created_at) VALUES (9, 7, 1, 'visitor:2', 'visitor', 'parcel lost',"
        " '[]', '{}', '2026-01-01')",
    ]
    try:
        with app.app_context():
            for sql in rows:
                db.session.execute(text(sql))
            db.session.commit()
        migrate(app)
        with app.app_context():
            count = "SELECT (SELECT count(*) FROM visitors), (SELECT count(*) FROM conversations),"
            count += " (SELECT count(*) FROM messages)"
            assert tuple(db.session.execute(text(count)).one()) == (2, 1, 1)
            found = "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'parcel'"
            assert db.session.execute(text(found)).scalars().all() == [9]
            # the triggers are back: a deleted message leaves the index, its children go with
            # a deleted visitor (foreign keys on again), and the top ids stay used
            db.session.execute(text("DELETE FROM visitors WHERE id = 2"))
            db.session.commit()
            assert db.session.execute(text(found)).scalars().all() == []
            assert db.session.execute(text(count)).one()[1:] == (0, 0)
            db.session.execute(
                text(
                    "INSERT INTO visitors (site_id, verified, attributes, created_at,"
                    " last_seen_at) VALUES (1, 0, '{}', '2026-01-02', '2026-01-02')"
                )
            )
            db.session.commit()
            newest = db.session.execute(text("SELECT max(id) FROM visitors")).scalar()
            assert newest == 3
    finally:
        dispose(app)

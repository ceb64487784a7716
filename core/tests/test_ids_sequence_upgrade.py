"""Migration 0025_ids_sequence on a SQLite database created before ids were never reused (issue
19): the newest visitor, conversation and message were erased before 0023, so 0023's rebuild set
each counter to the highest id it copied, below the erased ones; whatever still names an erased id
(an audit entry, the agents' inbox log, a plugin's table) would name the next new row. After 0025
the next row's id is past every id still referenced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from chinwag.extensions import db
from chinwag.testing import dispose, make_app, migrate

#: the database as 0022 left it: visitors 1-3, conversations 10 and 11, messages 20 and 21
ROWS = (
    "INSERT INTO sites (id, name, site_key, allowed_origins, widget_settings, identity_secret,"
    " identity_required, created_at) VALUES (1, 's', 'k', '[]', '{}', 'x', 0, '2026-01-01')",
    "INSERT INTO visitors (id, site_id, verified, attributes, created_at, last_seen_at)"
    " VALUES (1, 1, 0, '{}', '2026-01-01', '2026-01-01'),"
    " (2, 1, 0, '{}', '2026-01-01', '2026-01-01'), (3, 1, 0, '{}', '2026-01-01', '2026-01-01')",
    "INSERT INTO conversations (id, site_id, visitor_id, status, assignee_kind, last_seq,"
    " visitor_read_seq, agent_read_seq, created_at, updated_at)"
    " VALUES (10, 1, 1, 'open', 'none', 1, 0, 0, '2026-01-01', '2026-01-01'),"
    " (11, 1, 3, 'open', 'none', 1, 0, 0, '2026-01-01', '2026-01-01')",
    "INSERT INTO messages (id, conversation_id, seq, sender, author_kind, text, blocks,"
    " annotations, created_at) VALUES (20, 10, 1, 'visitor:1', 'visitor', 'kept', '[]', '{}',"
    " '2026-01-01'), (21, 11, 1, 'visitor:3', 'visitor', 'erased', '[]', '{}', '2026-01-01')",
)

_AUDIT = (
    "INSERT INTO audit_log (actor_id, actor, action, target_type, target_id, details,"
    " created_at, search_text) VALUES (NULL, 'admin@example.com', '{action}', '{kind}', '{id}',"
    " '{details}', '2026-01-01', '')"
)

#: (what names the erased row, the table whose counter must pass it, its erased id, the rows)
CASES = [
    (
        "the erasure's audit entry",
        "visitors",
        3,
        [_AUDIT.format(action="visitor.erase", kind="visitor", id=3, details='{"site_id": 1}')],
    ),
    (
        "an audit entry about the conversation",
        "conversations",
        11,
        [
            _AUDIT.format(
                action="conversation.labels", kind="conversation", id=11, details='{"labels": []}'
            )
        ],
    ),
    (
        "an audit entry's details",
        "conversations",
        11,
        [_AUDIT.format(action="site.x", kind="site", id=1, details='{"conversation_id": 11}')],
    ),
    (
        "the inbox log",
        "messages",
        21,
        [
            "INSERT INTO inbox_events (site_id, kind, payload, created_at) VALUES (1,"
            ' \'message.created\', \'{"conversation_id": 11, "seq": 1, "message_id": 21}\','
            " '2026-01-01')"
        ],
    ),
    (
        "a plugin's table",
        "visitors",
        3,
        [
            "CREATE TABLE elsewhere_seen (id INTEGER PRIMARY KEY, visitor_id INTEGER,"
            " last_message_id INTEGER)",
            "INSERT INTO elsewhere_seen (visitor_id, last_message_id) VALUES (3, 21)",
        ],
    ),
    (
        "a plugin's column ending in message_id",
        "messages",
        21,
        [
            "CREATE TABLE elsewhere_seen (id INTEGER PRIMARY KEY, last_message_id INTEGER)",
            "INSERT INTO elsewhere_seen (last_message_id) VALUES (21)",
        ],
    ),
]


def _run(app: Any, *statements: str) -> None:
    with app.app_context():
        for sql in statements:
            db.session.execute(text(sql))
        db.session.commit()


def _counter(app: Any, table: str) -> int:
    with app.app_context():
        found = db.session.execute(
            text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}
        ).scalar()
        return int(found or 0)


def _new_row(app: Any, table: str) -> int:
    """The id the next row of ``table`` gets (under a kept visitor and conversation)."""
    from chinwag.models import Conversation, Message, Visitor

    row: Any
    if table == "visitors":
        row = Visitor(site_id=1)
    elif table == "conversations":
        row = Conversation(site_id=1, visitor_id=1)
    else:
        row = Message(conversation_id=10, seq=2, sender="visitor:1", author_kind="visitor")
    with app.app_context():
        db.session.add(row)
        db.session.commit()
        return int(row.id)


@pytest.mark.parametrize(
    ("source", "table", "erased", "reference"), CASES, ids=[c[0] for c in CASES]
)
def test_the_next_row_never_takes_an_erased_id_still_named(
    tmp_path: Path, source: str, table: str, erased: int, reference: list[str]
) -> None:
    app = make_app(tmp_path, revision="0022_verified_email")
    try:
        _run(app, *ROWS, *reference)
        # visitor 3 (conversation 11, message 21) erased before the upgrade: gone, still named
        _run(
            app,
            "DELETE FROM messages WHERE id = 21",
            "DELETE FROM conversations WHERE id = 11",
            "DELETE FROM visitors WHERE id = 3",
        )
        migrate(app, "0024_search_punctuation")
        # 0023 counted only what it copied: without 0025 the next row would get the erased id
        assert _counter(app, table) == erased - 1
        migrate(app)
        assert _counter(app, table) == erased
        assert _new_row(app, table) == erased + 1, source
    finally:
        dispose(app)


def test_counters_never_go_back_and_empty_tables_get_one(tmp_path: Path) -> None:
    """A counter already past every reference stays (0023 kept ids erased since); a table with no
    row and no reference starts at 1 as before; a reference that is not an id moves nothing."""
    app = make_app(tmp_path, revision="0024_search_punctuation")
    try:
        _run(
            app,
            *ROWS[:2],
            "INSERT INTO visitors (id, site_id, verified, attributes, created_at, last_seen_at)"
            " VALUES (40, 1, 0, '{}', '2026-01-01', '2026-01-01')",
            "DELETE FROM visitors WHERE id = 40",
            _AUDIT.format(action="visitor.erase", kind="visitor", id=7, details="{}"),
            _AUDIT.format(action="x", kind="visitor", id="9x", details='{"visitor_id": "99"}'),
            _AUDIT.format(action="x", kind="conversation", id="", details="not json"),
        )
        migrate(app)
        assert _counter(app, "visitors") == 40
        assert _new_row(app, "visitors") == 41
        assert _new_row(app, "conversations") == 1
    finally:
        dispose(app)

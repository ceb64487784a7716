"""SQLite: the id counters move past every id still named anywhere

0023 made visitors, conversations and messages AUTOINCREMENT tables by copying them, which set
SQLite's counter (``sqlite_sequence``) to the highest id *copied*. On a database created before
that, the newest visitors (their conversations, their messages) may have been erased already: their
ids were above every copied row, so the next rows got them again, while audit entries, the agents'
inbox log, an agent's saved draft or a plugin's table still named the erased ones. Each counter now
moves past the highest id referenced anywhere in the database:

- the table's own highest id and its counter (never lowered);
- every INTEGER column of any other table whose name ends in ``visitor_id``, ``conversation_id``
  or ``message_id`` (core or plugin tables, found by reading the schema, no table named here);
- audit entries about a visitor, a conversation or a message (``target_id``), and those ids in
  the entries' details and the inbox log's payloads (``$.visitor_id`` and so on).

An id erased before 0023 that nothing names any more cannot be found; nothing points at it, so
handing it out again misleads no one in the database (an agent's local draft keyed by it is the
one case left: docs/privacy.md). PostgreSQL's sequences never go back: nothing to do there. The
downgrade leaves the counters where they are (lowering one would hand ids out twice again).

Revision ID: 0025_ids_sequence
Revises: 0024_search_punctuation
"""

from __future__ import annotations

from typing import Any

from alembic import op
from sqlalchemy import text

revision = "0025_ids_sequence"
down_revision = "0024_search_punctuation"
branch_labels = None
depends_on = None

#: table, the audit log's ``target_type`` for its rows, the suffix of columns that name its ids
COUNTERS = (
    ("visitors", "visitor", "visitor_id"),
    ("conversations", "conversation", "conversation_id"),
    ("messages", "message", "message_id"),
)
#: JSON columns that name ids by key: (table, column)
JSON_REFERENCES = (("audit_log", "details"), ("inbox_events", "payload"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(bind: Any) -> list[str]:
    rows = bind.execute(
        text(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    )
    return [str(r[0]) for r in rows]


def _referencing_columns(bind: Any, tables: list[str], own: str, suffix: str) -> list[str]:
    """``max(...)`` expressions over each INTEGER column (of another table) named ``*suffix``."""
    found = []
    for table in tables:
        if table == own:
            continue
        for column in bind.execute(text(f"PRAGMA table_info({_quote(table)})")).mappings():
            name, kind = str(column["name"]), str(column["type"]).upper()
            if name.lower().endswith(suffix) and "INT" in kind:
                found.append(f"SELECT max({_quote(name)}) FROM {_quote(table)}")
    return found


def _highest_referenced(bind: Any, tables: list[str], own: str, kind: str, suffix: str) -> int:
    queries = [f"SELECT max(id) FROM {_quote(own)}"]
    queries += _referencing_columns(bind, tables, own, suffix)
    if "audit_log" in tables:
        queries.append(
            "SELECT max(CAST(target_id AS INTEGER)) FROM audit_log"
            f" WHERE target_type = '{kind}' AND target_id NOT GLOB '*[^0-9]*'"
            " AND target_id != ''"
        )
    for table, column in JSON_REFERENCES:
        if table in tables:
            # CASE: json_extract raises on text that is not JSON, and AND need not short-cut
            value = f"CASE WHEN json_valid({column}) THEN json_extract({column}, '$.{suffix}') END"
            queries.append(f"SELECT max({value}) FROM {table} WHERE typeof({value}) = 'integer'")
    highest = 0
    for query in queries:
        value = bind.execute(text(query)).scalar()
        if value is not None:
            highest = max(highest, int(value))
    return highest


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    tables = _tables(bind)
    for own, kind, suffix in COUNTERS:
        highest = _highest_referenced(bind, tables, own, kind, suffix)
        current = bind.execute(
            text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": own}
        ).scalar()
        if current is None:
            bind.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                {"name": own, "seq": highest},
            )
        elif int(current) < highest:
            bind.execute(
                text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :name"),
                {"name": own, "seq": highest},
            )


def downgrade() -> None:
    """Nothing: a counter moved back would hand the same ids out again."""

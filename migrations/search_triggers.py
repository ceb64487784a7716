"""SQLite's full-text search triggers, for migrations that rebuild a searched table.

On SQLite, search (0018_search) is an FTS5 index per searched table (``messages_fts`` over
``messages``, ``notes_fts`` over ``internal_notes``) kept current by three triggers on the
table. ``op.batch_alter_table`` on SQLite copies the table, drops the old one and renames the
copy: the triggers go with the old table, and from then on new messages are silently missing
from search. A later migration that batch-alters a searched table therefore wraps it::

    from chinwag.migrations.search_triggers import rebuilt_search

    with rebuilt_search("messages"), op.batch_alter_table("messages") as batch:
        batch.add_column(...)

which re-creates the table's triggers (the same SQL as 0018) and rebuilds its index after the
batch. On PostgreSQL search is an expression index, which survives ``ALTER TABLE``: nothing to
do there. ``core/tests/test_search_triggers.py`` fails when a trigger is missing after
``upgrade head`` and proves this pattern with a throwaway migration.

The SQL here must keep producing what 0018 created (the test compares them); a change of the
index itself is a new migration that drops and re-creates it, not an edit of this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op

#: content table -> its FTS5 index (0018_search)
SEARCH_TABLES = {"messages": "messages_fts", "internal_notes": "notes_fts"}
TRIGGERS = ("insert", "delete", "update")


def trigger_sql(content: str) -> list[str]:
    """The ``CREATE TRIGGER`` statements that keep ``content``'s FTS5 index current."""
    fts = SEARCH_TABLES[content]
    # names from SEARCH_TABLES, never from input
    insert = f"INSERT INTO {fts}(rowid, text) VALUES (new.id, new.text);"  # noqa: S608
    remove = f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.id, old.text);"  # noqa: S608
    return [
        f"CREATE TRIGGER {fts}_{name} {when} ON {content} BEGIN {body} END"
        for name, when, body in (
            ("insert", "AFTER INSERT", insert),
            ("delete", "AFTER DELETE", remove),
            ("update", "AFTER UPDATE OF text", remove + " " + insert),
        )
    ]


def restore_search(content: str) -> None:
    """Re-create ``content``'s triggers (those still there are replaced) and rebuild its index
    from the table (rows written while the triggers were missing are found again). SQLite only;
    a no-op on other databases."""
    if op.get_bind().dialect.name != "sqlite":
        return
    fts = SEARCH_TABLES[content]
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {fts}_{name}")
    for statement in trigger_sql(content):
        op.execute(statement)
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608 - a known name


@contextmanager
def rebuilt_search(content: str) -> Iterator[None]:
    """Around a ``batch_alter_table`` of a searched table: restore its search afterwards."""
    if content not in SEARCH_TABLES:
        raise ValueError(f"{content!r} has no search index (known: {sorted(SEARCH_TABLES)})")
    yield
    restore_search(content)

"""SQLite: visitors, conversations and messages never reuse an id (AUTOINCREMENT)

Without AUTOINCREMENT, SQLite gives a new row the highest id in use plus one: a visitor created
after the newest visitor was erased got the erased visitor's id (and conversation and message
ids), which audit entries, third-party sinks and agents' saved drafts still named. A table's
AUTOINCREMENT can only be declared when it is created, so each is rebuilt (copy, drop, rename,
with foreign keys off: chinwag.dbmigrate); the copied rows set SQLite's counter to the highest
id. PostgreSQL's sequences never go back: nothing to do there.

Revision ID: 0021_ids_never_reused
Revises: 0020_verified_email
"""

from alembic import op

revision = "0021_ids_never_reused"
down_revision = "0020_verified_email"
branch_labels = None
depends_on = None

TABLES = ("visitors", "conversations", "messages")


def _messages_fts_triggers() -> None:
    """The FTS5 triggers of 0018_search went with the old messages table: the same again."""
    fts, content = "messages_fts", "messages"
    insert = f"INSERT INTO {fts}(rowid, text) VALUES (new.id, new.text);"
    remove = f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.id, old.text);"
    for name, when, body in (
        ("insert", "AFTER INSERT", insert),
        ("delete", "AFTER DELETE", remove),
        ("update", "AFTER UPDATE OF text", remove + " " + insert),
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {fts}_{name}")
        op.execute(f"CREATE TRIGGER {fts}_{name} {when} ON {content} BEGIN {body} END")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    _messages_fts_triggers()


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)

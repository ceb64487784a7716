"""SQLite: visitors, conversations and messages never reuse an id (AUTOINCREMENT)

Without AUTOINCREMENT, SQLite gives a new row the highest id in use plus one: a visitor created
after the newest visitor was erased got the erased visitor's id (and conversation and message
ids), which audit entries, third-party sinks and agents' saved drafts still named. A table's
AUTOINCREMENT can only be declared when it is created, so each is rebuilt (copy, drop, rename,
with foreign keys off: chinwag.dbmigrate); the copied rows set SQLite's counter to the highest
id. PostgreSQL's sequences never go back: nothing to do there.

Revision ID: 0023_ids_never_reused
Revises: 0022_verified_email
"""

from alembic import op

from chinwag.migrations.search_triggers import restore_search

revision = "0023_ids_never_reused"
down_revision = "0022_verified_email"
branch_labels = None
depends_on = None

TABLES = ("visitors", "conversations", "messages")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    restore_search("messages")  # the FTS5 triggers went with the old table


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)

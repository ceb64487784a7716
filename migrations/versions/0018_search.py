"""full-text search over messages and internal notes (PostgreSQL GIN on tsvector, SQLite FTS5)

Revision ID: 0018_search
Revises: 0017_agent_profile
"""

from alembic import op

revision = "0018_search"
down_revision = "0017_agent_profile"
branch_labels = None
depends_on = None

# (index or FTS table, content table); kept here, a migration must not change later
TABLES = (("messages_fts", "messages"), ("notes_fts", "internal_notes"))
TOKENIZE = "unicode61 remove_diacritics 0"


def _sqlite_upgrade() -> None:
    for fts, content in TABLES:
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5(text, content='{content}', "
            f"content_rowid='id', tokenize='{TOKENIZE}')"
        )
        insert = f"INSERT INTO {fts}(rowid, text) VALUES (new.id, new.text);"
        remove = f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.id, old.text);"
        for name, when, body in (
            ("insert", "AFTER INSERT", insert),
            ("delete", "AFTER DELETE", remove),
            ("update", "AFTER UPDATE OF text", remove + " " + insert),
        ):
            op.execute(f"CREATE TRIGGER {fts}_{name} {when} ON {content} BEGIN {body} END")
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
        return
    for index, content in TABLES:
        op.execute(
            f"CREATE INDEX ix_{index} ON {content} USING gin (to_tsvector('simple'::regconfig, text))"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, _content in TABLES:
        if not sqlite:
            op.execute(f"DROP INDEX IF EXISTS ix_{name}")
            continue
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {name}")

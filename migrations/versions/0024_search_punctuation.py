"""PostgreSQL search: punctuation reads as spaces, so addresses and URLs are found

0018_search indexed ``to_tsvector('simple', text)``: PostgreSQL's parser keeps an e-mail
address, a URL, a host name or ``v1.2`` as one token, which no query of words (what the inbox's
search sends, and what SQLite's FTS5 indexes) matched: a search for ``bob@example.com`` or a URL
missed the conversation that contained it. The indexes now cover the text with every ASCII
punctuation mark translated to a space (chinwag.models.search_vector_sql, frozen here). SQLite's
FTS5 tables already split there: nothing to do on SQLite.

Revision ID: 0024_search_punctuation
Revises: 0023_ids_never_reused
"""

from alembic import op

revision = "0024_search_punctuation"
down_revision = "0023_ids_never_reused"
branch_labels = None
depends_on = None

INDEXES = (("ix_messages_fts", "messages"), ("ix_notes_fts", "internal_notes"))
# string.punctuation with its quote doubled, and as many spaces; kept here, never changed
MARKS = "!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~"
BLANKS = " " * 32
NEW = f"to_tsvector('simple'::regconfig, translate(text, '{MARKS}', '{BLANKS}'))"
OLD = "to_tsvector('simple'::regconfig, text)"


def _recreate(expression: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for index, table in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({expression})")


def upgrade() -> None:
    _recreate(NEW)


def downgrade() -> None:
    _recreate(OLD)

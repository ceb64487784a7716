"""a plugin's internal note may carry an idempotency key (``ctx.post_note(..., key=)``, plugin
API 1.7)

``internal_notes.key``: null for agents' notes and unkeyed plugin notes; a unique index on
(author_plugin, conversation_id, key) stores at most one note per plugin, conversation and key
(NULLs are distinct on SQLite and PostgreSQL, so rows without a key are not constrained).

Revision ID: 0028_note_keys
Revises: 0027_canned_team
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_note_keys"
down_revision = "0027_canned_team"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("internal_notes") as batch:
        batch.add_column(sa.Column("key", sa.String(length=64), nullable=True))
        batch.create_index(
            "uq_internal_notes_key", ["author_plugin", "conversation_id", "key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("internal_notes") as batch:
        batch.drop_index("uq_internal_notes_key")
        batch.drop_column("key")

"""the inbox's plugin surface: annotations and internal notes (agents only); snooze

Revision ID: 0012_inbox_surface
Revises: 0011_conversation_labels
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_inbox_surface"
down_revision = "0011_conversation_labels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "conversation_annotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("tone", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "message_id", "plugin", "key"),
    )
    with op.batch_alter_table("conversation_annotations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_annotations_conversation_id"),
            ["conversation_id"],
            unique=False,
        )
    op.create_table(
        "internal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_plugin", sa.String(length=200), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("internal_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_internal_notes_conversation_id"), ["conversation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("internal_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_internal_notes_conversation_id"))
    op.drop_table("internal_notes")
    with op.batch_alter_table("conversation_annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_annotations_conversation_id"))
    op.drop_table("conversation_annotations")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")

"""labels on conversations (agent inbox)

Revision ID: 0011_conversation_labels
Revises: 0010_canned_responses
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_conversation_labels"
down_revision = "0010_canned_responses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_labels",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "label"),
    )
    with op.batch_alter_table("conversation_labels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_labels_label"), ["label"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation_labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_labels_label"))
    op.drop_table("conversation_labels")

"""conversation opening key: the first message's client_msg_id opens one conversation

Revision ID: 0002_opening_key
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_opening_key"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opening_client_msg_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_conversations_visitor_id_opening_client_msg_id",
            ["visitor_id", "opening_client_msg_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_conversations_visitor_id_opening_client_msg_id", type_="unique"
        )
        batch_op.drop_column("opening_client_msg_id")

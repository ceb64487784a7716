"""each agent's own preferences on the server (the inbox's notifications), one row per user

Revision ID: 0029_user_preferences
Revises: 0028_note_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_user_preferences"
down_revision = "0028_note_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("notify_events", sa.String(length=16), nullable=False),
        sa.Column("notify_sound", sa.Boolean(), nullable=False),
        sa.Column("notify_desktop", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("user_preferences")

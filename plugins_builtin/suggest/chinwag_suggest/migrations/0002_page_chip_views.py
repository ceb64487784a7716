"""page chips are viewed before a conversation exists (the widget reports them shown)

Revision ID: 0002_page_chip_views
Revises: 0001_suggest
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_page_chip_views"
down_revision = "0001_suggest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suggest_views") as batch:
        batch.alter_column("conversation_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM suggest_views WHERE conversation_id IS NULL")
    with op.batch_alter_table("suggest_views") as batch:
        batch.alter_column("conversation_id", existing_type=sa.Integer(), nullable=False)

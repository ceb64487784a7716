"""chinwag-mixpanel: the ids sent to Mixpanel per visitor

Revision ID: 0001_mixpanel
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_mixpanel"
down_revision = None
branch_labels = ("chinwag_mixpanel",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "mixpanel_identities",
        sa.Column("visitor_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("distinct_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("first_sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("visitor_id", name=op.f("pk_mixpanel_identities")),
    )


def downgrade() -> None:
    op.drop_table("mixpanel_identities")

"""chinwag-elasticsearch: the pseudonym of each visitor whose events were indexed

Revision ID: 0001_elasticsearch
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_elasticsearch"
down_revision = None
branch_labels = ("chinwag_elasticsearch",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "elasticsearch_visitors",
        sa.Column("visitor_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("distinct_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("visitor_id", name=op.f("pk_elasticsearch_visitors")),
    )


def downgrade() -> None:
    op.drop_table("elasticsearch_visitors")

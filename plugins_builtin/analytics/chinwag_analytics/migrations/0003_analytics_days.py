"""chinwag-analytics: whole past days added up per time zone (fast year views)

``analytics_days`` caches the quarter-hour counters added up per local day of a zone (filled by
the plugin's job, read by the dashboards); ``analytics_zones`` lists the zones asked for.

Revision ID: 0003_analytics_days
Revises: 0002_analytics_slots
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_analytics_days"
down_revision = "0002_analytics_slots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_days",
        sa.Column("site_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("dim", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "site_id", "day", "zone", "metric", "dim", name=op.f("pk_analytics_days")
        ),
    )
    op.create_table(
        "analytics_zones",
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("zone", name=op.f("pk_analytics_zones")),
    )


def downgrade() -> None:
    op.drop_table("analytics_zones")
    op.drop_table("analytics_days")

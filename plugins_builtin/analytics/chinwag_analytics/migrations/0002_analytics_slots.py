"""chinwag-analytics: counters per quarter hour (dashboards in any time zone)

The daily counters move to ``analytics_counts``, keyed by the quarter hour of the UTC day as
well; the rows counted before it keep their UTC day with slot -1 (time unknown).

Revision ID: 0002_analytics_slots
Revises: 0001_analytics
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_analytics_slots"
down_revision = "0001_analytics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_counts",
        sa.Column("site_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("dim", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "site_id", "day", "slot", "metric", "dim", name=op.f("pk_analytics_counts")
        ),
    )
    op.execute(
        "INSERT INTO analytics_counts (site_id, day, slot, metric, dim, count) "
        "SELECT site_id, day, -1, metric, dim, count FROM analytics_daily"
    )
    op.drop_table("analytics_daily")


def downgrade() -> None:
    op.create_table(
        "analytics_daily",
        sa.Column("site_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("dim", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "day", "metric", "dim", name=op.f("pk_analytics_daily")),
    )
    op.execute(
        "INSERT INTO analytics_daily (site_id, day, metric, dim, count) "
        "SELECT site_id, day, metric, dim, SUM(count) FROM analytics_counts "
        "GROUP BY site_id, day, metric, dim"
    )
    op.drop_table("analytics_counts")

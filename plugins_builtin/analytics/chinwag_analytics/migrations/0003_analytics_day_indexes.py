"""chinwag-analytics: indexes by day, for the dashboard of every site

The dashboard of every site reads a range of days of all sites; the primary key of the counters
and the (site_id, day) index of the facts start with the site, so that query read every row
(at a million conversations, docs/performance.md "Analytics dashboards at a million
conversations").

Revision ID: 0003_analytics_day_indexes
Revises: 0002_analytics_slots
"""

from alembic import op

revision = "0003_analytics_day_indexes"
down_revision = "0002_analytics_slots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_analytics_counts_day", "analytics_counts", ["day"])
    op.create_index("ix_analytics_conversations_day", "analytics_conversations", ["day"])


def downgrade() -> None:
    op.drop_index("ix_analytics_conversations_day", table_name="analytics_conversations")
    op.drop_index("ix_analytics_counts_day", table_name="analytics_counts")

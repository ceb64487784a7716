"""chinwag-analytics: daily counters and per-conversation facts

Revision ID: 0001_analytics
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_analytics"
down_revision = None
branch_labels = ("chinwag_analytics",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "analytics_daily",
        sa.Column("site_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("dim", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "day", "metric", "dim", name=op.f("pk_analytics_daily")),
    )
    op.create_table(
        "analytics_conversations",
        sa.Column("conversation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_seconds", sa.Float(), nullable=True),
        sa.Column("first_response_kind", sa.String(16), nullable=True),
        sa.Column("resolution_seconds", sa.Float(), nullable=True),
        sa.Column("bot_replied", sa.Boolean(), nullable=False),
        sa.Column("agent_replied", sa.Boolean(), nullable=False),
        sa.Column("handed_off", sa.Boolean(), nullable=False),
        sa.Column("csat_satisfied", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_analytics_conversations")),
    )
    op.create_index(
        op.f("ix_analytics_conversations_visitor_id"), "analytics_conversations", ["visitor_id"]
    )
    op.create_index(
        "ix_analytics_conversations_site_day", "analytics_conversations", ["site_id", "day"]
    )


def downgrade() -> None:
    op.drop_table("analytics_conversations")
    op.drop_table("analytics_daily")

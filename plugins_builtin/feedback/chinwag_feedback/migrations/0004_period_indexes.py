"""chinwag-feedback: the ``created_at`` / ``asked_at`` indexes of a report over every site for
a period (the Reports page and ``GET /api/v1/feedback/summary`` without ``site_id`` nor
``agent_id``, e.g. ``group_by=site`` over a month), which the (site_id, ...) and
(agent_id, ...) indexes cannot serve (bench/feedback, docs/performance.md)

Revision ID: 0004_period_indexes
Revises: 0003_mail_triggers
"""

from alembic import op

revision = "0004_period_indexes"
down_revision = "0003_mail_triggers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_feedback_ratings_created", "feedback_ratings", ["created_at"])
    op.create_index("ix_feedback_surveys_asked", "feedback_surveys", ["asked_at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_surveys_asked", "feedback_surveys")
    op.drop_index("ix_feedback_ratings_created", "feedback_ratings")

"""chinwag-feedback: answers, threads, ratings and surveys

Revision ID: 0001_feedback
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_feedback"
down_revision = None
branch_labels = ("chinwag_feedback",)
depends_on = "0001_core"

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feedback_answers",
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("author_kind", sa.String(16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("excerpt", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_feedback_answers")),
    )
    op.create_index(
        op.f("ix_feedback_answers_conversation_id"), "feedback_answers", ["conversation_id"]
    )
    op.create_index(op.f("ix_feedback_answers_visitor_id"), "feedback_answers", ["visitor_id"])

    op.create_table(
        "feedback_threads",
        sa.Column("conversation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(35), nullable=True),
        sa.Column("last_message_at", TZ, nullable=False),
        sa.Column("last_author_kind", sa.String(16), nullable=False),
        sa.Column("survey_due", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_feedback_threads")),
    )
    op.create_index(op.f("ix_feedback_threads_visitor_id"), "feedback_threads", ["visitor_id"])
    op.create_index(
        "ix_feedback_threads_due", "feedback_threads", ["survey_due", "last_message_at"]
    )

    op.create_table(
        "feedback_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("author_kind", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(35), nullable=True),
        sa.Column("value", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_ratings")),
        sa.UniqueConstraint("message_id", name="uq_feedback_ratings_message_id"),
    )
    op.create_index(
        op.f("ix_feedback_ratings_conversation_id"), "feedback_ratings", ["conversation_id"]
    )
    op.create_index(op.f("ix_feedback_ratings_visitor_id"), "feedback_ratings", ["visitor_id"])
    op.create_index(
        "ix_feedback_ratings_site_created", "feedback_ratings", ["site_id", "created_at"]
    )
    op.create_index(
        "ix_feedback_ratings_agent_created", "feedback_ratings", ["agent_id", "created_at"]
    )

    op.create_table(
        "feedback_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(35), nullable=True),
        sa.Column("scale", sa.String(8), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("asked_at", TZ, nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("nps_class", sa.String(10), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_surveys")),
        sa.UniqueConstraint("conversation_id", name="uq_feedback_surveys_conversation_id"),
    )
    op.create_index(op.f("ix_feedback_surveys_visitor_id"), "feedback_surveys", ["visitor_id"])
    op.create_index("ix_feedback_surveys_site_asked", "feedback_surveys", ["site_id", "asked_at"])
    op.create_index("ix_feedback_surveys_agent_asked", "feedback_surveys", ["agent_id", "asked_at"])


def downgrade() -> None:
    op.drop_table("feedback_surveys")
    op.drop_table("feedback_ratings")
    op.drop_table("feedback_threads")
    op.drop_table("feedback_answers")

"""answer bot turns and email follow-ups

Revision ID: 0001_answerbot
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_answerbot"
down_revision = None
branch_labels = ("chinwag_answerbot",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "answerbot_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("articles", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answerbot_turns")),
    )
    for col in ("site_id", "conversation_id", "visitor_id"):
        op.create_index(op.f(f"ix_answerbot_turns_{col}"), "answerbot_turns", [col])
    op.create_table(
        "answerbot_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answerbot_followups")),
    )
    for col in ("site_id", "conversation_id", "visitor_id"):
        op.create_index(op.f(f"ix_answerbot_followups_{col}"), "answerbot_followups", [col])


def downgrade() -> None:
    op.drop_table("answerbot_followups")
    op.drop_table("answerbot_turns")

"""the bot's note marks are gone: its hand-off note carries a key instead (plugin API 1.7)

``answerbot_llm_notes`` recorded which visitor messages got a hand-off note so a re-run would
not post it twice; ``ctx.post_note(..., key="handoff:<message id>")`` now makes the core store
the note at most once. The notes themselves are the core's (kept, exported and erased with the
conversation).

Revision ID: 0002_answerbot_llm_no_marks
Revises: 0001_answerbot_llm
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_answerbot_llm_no_marks"
down_revision = "0001_answerbot_llm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("answerbot_llm_notes")


def downgrade() -> None:
    op.create_table(
        "answerbot_llm_notes",
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_answerbot_llm_notes")),
    )
    for col in ("conversation_id", "visitor_id"):
        op.create_index(op.f(f"ix_answerbot_llm_notes_{col}"), "answerbot_llm_notes", [col])

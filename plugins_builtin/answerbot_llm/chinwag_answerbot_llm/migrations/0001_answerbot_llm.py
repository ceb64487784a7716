"""hand-off notes the LLM answer bot posted, one per visitor message

Revision ID: 0001_answerbot_llm
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_answerbot_llm"
down_revision = None
branch_labels = ("chinwag_answerbot_llm",)
depends_on = "0001_core"


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_table("answerbot_llm_notes")

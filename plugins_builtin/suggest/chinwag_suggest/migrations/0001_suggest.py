"""suggestions, chip views and learned questions

Revision ID: 0001_suggest
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_suggest"
down_revision = None
branch_labels = ("chinwag_suggest",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "suggest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggest_items")),
        sa.UniqueConstraint("site_id", "key", name=op.f("uq_suggest_items_site_id_key")),
    )
    op.create_index(op.f("ix_suggest_items_site_id"), "suggest_items", ["site_id"])
    op.create_table(
        "suggest_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("offered_in", sa.Integer(), nullable=False),
        sa.Column("clicked", sa.Boolean(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggest_views")),
    )
    for col in ("site_id", "suggestion_id", "conversation_id", "visitor_id"):
        op.create_index(op.f(f"ix_suggest_views_{col}"), "suggest_views", [col])
    op.create_table(
        "suggest_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggest_pending")),
    )
    op.create_index(
        op.f("ix_suggest_pending_conversation_id"), "suggest_pending", ["conversation_id"]
    )
    op.create_table(
        "suggest_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("handed_off", sa.Boolean(), nullable=False),
        sa.Column("thumbs_up", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggest_questions")),
    )
    for col in ("site_id", "conversation_id", "visitor_id", "key"):
        op.create_index(op.f(f"ix_suggest_questions_{col}"), "suggest_questions", [col])


def downgrade() -> None:
    op.drop_table("suggest_questions")
    op.drop_table("suggest_pending")
    op.drop_table("suggest_views")
    op.drop_table("suggest_items")

"""retention policies per site and legal holds on conversations (compliance)

Revision ID: 0013_compliance
Revises: 0012_inbox_surface
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_compliance"
down_revision = "0012_inbox_surface"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_policies",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("conversation_days", sa.Integer(), nullable=True),
        sa.Column("visitor_inactive_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id"),
    )
    op.create_table(
        "legal_holds",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("set_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id"),
    )


def downgrade() -> None:
    op.drop_table("legal_holds")
    op.drop_table("retention_policies")

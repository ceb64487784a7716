"""a11y audits

Revision ID: 0001_a11y
Revises:
Create Date: 2026-12-01 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_a11y"
down_revision = None
branch_labels = ("chinwag_a11y",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "a11y_audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_a11y_audits_site_key", "a11y_audits", ["site_key"])


def downgrade() -> None:
    op.drop_index("ix_a11y_audits_site_key", table_name="a11y_audits")
    op.drop_table("a11y_audits")

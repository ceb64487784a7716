"""plugin health: each server process's hook counters, so every process reports the same

Revision ID: 0004_plugin_health
Revises: 0003_audit_search
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_plugin_health"
down_revision = "0003_audit_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plugin_health",
        sa.Column("plugin", sa.String(length=200), nullable=False),
        sa.Column("process", sa.String(length=120), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("timeouts", sa.Integer(), nullable=False),
        sa.Column("total_ms", sa.Float(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plugin", "process", name=op.f("pk_plugin_health")),
    )
    op.create_index(
        op.f("ix_plugin_health_updated_at"), "plugin_health", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_plugin_health_updated_at"), table_name="plugin_health")
    op.drop_table("plugin_health")

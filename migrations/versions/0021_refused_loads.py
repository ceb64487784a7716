"""widget loads refused for an unknown site key, per origin (the installation check)

Revision ID: 0021_refused_loads
Revises: 0020_unscoped_agents_default
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_refused_loads"
down_revision = "0020_unscoped_agents_default"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_loads",
        sa.Column("origin", sa.String(length=300), nullable=False),
        sa.Column("site_key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("origin"),
    )
    op.create_index("ix_refused_loads_at", "refused_loads", ["at"])


def downgrade() -> None:
    op.drop_index("ix_refused_loads_at", table_name="refused_loads")
    op.drop_table("refused_loads")

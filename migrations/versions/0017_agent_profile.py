"""agents' public profile (display name, avatar) and each site's installation check

Revision ID: 0017_agent_profile
Revises: 0016_secrets_at_rest
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_agent_profile"
down_revision = "0016_secrets_at_rest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("avatar_url", sa.String(length=2000), nullable=True))
    op.create_table(
        "site_installs",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("last_load_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("origins", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id"),
    )


def downgrade() -> None:
    op.drop_table("site_installs")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("avatar_url")
        batch.drop_column("display_name")

"""who vouches for visitors' e-mail; used links kept until expiry; visitors' own message copy

``visitors.email_verified_by``/``_at``: who vouches for the address (identity, link);
``used_links``: used self-service links, kept until they expire (the retention job purges them);
``messages.visitor_text``/``visitor_blocks``: what the visitor wrote when an AgentView masked
the message for agents.

Revision ID: 0022_verified_email
Revises: 0021_refused_loads
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_verified_email"
down_revision = "0021_refused_loads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visitors") as batch:
        batch.add_column(sa.Column("email_verified_by", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
        )
    # a visitor whose address came with the site's signed identity: vouched for by it
    visitors = sa.table(
        "visitors",
        sa.column("verified", sa.Boolean()),
        sa.column("email", sa.String()),
        sa.column("email_verified_by", sa.String()),
    )
    op.execute(
        visitors.update()
        .where(visitors.c.verified.is_(True), visitors.c.email.is_not(None))
        .values(email_verified_by="identity")
    )
    op.create_table(
        "used_links",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_index("ix_used_links_expires_at", "used_links", ["expires_at"])
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("visitor_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("visitor_blocks", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("visitor_blocks")
        batch.drop_column("visitor_text")
    op.drop_index("ix_used_links_expires_at", table_name="used_links")
    op.drop_table("used_links")
    with op.batch_alter_table("visitors") as batch:
        batch.drop_column("email_verified_at")
        batch.drop_column("email_verified_by")

"""consent records: every grant and withdrawal of a purpose by a visitor (append-only history)

The visitors who consented before (``visitors.consent_version``/``consent_at``) get one granted
"analytics" record each, so the history starts with what was known.

Revision ID: 0015_consent_records
Revises: 0014_teams
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_consent_records"
down_revision = "0014_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visitor_id"], ["visitors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consent_records_site_id", "consent_records", ["site_id"])
    op.create_index("ix_consent_records_latest", "consent_records", ["visitor_id", "purpose", "id"])
    op.execute(
        "INSERT INTO consent_records (visitor_id, site_id, purpose, granted, version, source,"
        " created_at) SELECT id, site_id, 'analytics', true, consent_version, 'widget',"
        " consent_at FROM visitors WHERE consent_at IS NOT NULL AND consent_version IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_consent_records_latest", table_name="consent_records")
    op.drop_index("ix_consent_records_site_id", table_name="consent_records")
    op.drop_table("consent_records")

"""what agents on no team and no site see by default: decided once, here

Revision ID: 0020_unscoped_agents_default
Revises: 0019_saved_views

A fresh install (no agent yet) gets ``none``: an agent sees nothing until an admin gives them a
team or a site. An install upgraded with agents on no team and no site gets ``all``: those
agents saw every site before teams existed and keep doing so until the admin scopes them (the
Teams page says "every site"). ``CHINWAG_UNSCOPED_AGENTS=all|none`` overrides either. See
docs/admin.md, "Agents on no team and no site".
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0020_unscoped_agents_default"
down_revision = "0019_saved_views"
branch_labels = None
depends_on = None

#: an active agent who belongs to no team and no site: someone who relies on seeing every site
UNSCOPED_AGENT = """
SELECT 1 FROM users u
WHERE u.role = 'agent' AND u.disabled = :no
  AND NOT EXISTS (SELECT 1 FROM team_members m WHERE m.user_id = u.id)
  AND NOT EXISTS (SELECT 1 FROM agent_sites s WHERE s.user_id = u.id)
LIMIT 1
"""


def upgrade() -> None:
    table = op.create_table(
        "access_defaults",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    relied_on = op.get_bind().execute(sa.text(UNSCOPED_AGENT), {"no": False}).first() is not None
    op.bulk_insert(
        table,
        [
            {
                "name": "unscoped_agents",
                "value": "all" if relied_on else "none",
                "decided_at": datetime.now(UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("access_defaults")

"""audit entries written by a plugin name it (``ctx.audit``, plugin API 1.7)

``audit_log.plugin``: the distribution name of the plugin that wrote the entry (its action is
``<plugin>.<action>``); null for the core's own entries.

Revision ID: 0026_audit_plugin
Revises: 0025_ids_sequence
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_audit_plugin"
down_revision = "0025_ids_sequence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("plugin", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("plugin")

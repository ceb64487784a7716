"""audit search: one lower-cased search column, and an index on the target filters

Revision ID: 0003_audit_search
Revises: 0002_opening_key
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003_audit_search"
down_revision = "0002_opening_key"
branch_labels = None
depends_on = None

BATCH = 1000


def _text(row: sa.Row) -> str:
    # the same text as chinwag.audit.search_text (kept here: a migration must not change later)
    details = row.details
    if isinstance(details, str):
        details = json.loads(details or "{}")
    text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
    return "\n".join((row.actor, row.action, row.target_type, row.target_id, text)).lower()


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch_op.create_index("ix_audit_log_target", ["target_type", "target_id"], unique=False)
    conn = op.get_bind()
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("target_type", sa.String),
        sa.column("target_id", sa.String),
        sa.column("details", sa.JSON),
        sa.column("search_text", sa.Text),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(audit).where(audit.c.id > last).order_by(audit.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            audit.update().where(audit.c.id == sa.bindparam("row_id")),
            [{"row_id": r.id, "search_text": _text(r)} for r in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_target")
        batch_op.drop_column("search_text")

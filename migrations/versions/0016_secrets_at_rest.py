"""secrets at rest: sites' identity secrets become encrypted text (chinwag.secrets_at_rest)

The columns become text (a Fernet token is longer than the secret) and every stored identity
secret is encrypted with the newest data key. Plugins' secret settings are encrypted when next
saved, or at once by ``chinwag secrets rotate``. Downgrading decrypts them again.

The type changes by adding a column, copying, dropping the old one and renaming (plain ALTER
TABLE on SQLite >= 3.35 and PostgreSQL): SQLite's batch mode would recreate ``sites``, and with
foreign keys on, dropping the old table would cascade to every visitor and conversation.

Revision ID: 0016_secrets_at_rest
Revises: 0015_consent_records
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from chinwag import secrets_at_rest

revision = "0016_secrets_at_rest"
down_revision = "0015_consent_records"
branch_labels = None
depends_on = None

_COLUMNS = (("identity_secret", False), ("identity_secret_previous", True))


def _retype(column_type: Any, change: Callable[[str], str]) -> None:
    """Give both columns ``column_type``, their values passed through ``change``."""
    conn = op.get_bind()
    for name, nullable in _COLUMNS:
        op.add_column(
            "sites",
            sa.Column(
                f"{name}_new",
                column_type,
                nullable=nullable,
                server_default=None if nullable else "",
            ),
        )
    rows = conn.execute(sa.text("SELECT id, identity_secret, identity_secret_previous FROM sites"))
    for site_id, current, previous in rows.all():
        conn.execute(
            sa.text(
                "UPDATE sites SET identity_secret_new = :c, identity_secret_previous_new = :p "
                "WHERE id = :id"
            ),
            {"c": change(current), "p": change(previous) if previous else None, "id": site_id},
        )
    for name, nullable in _COLUMNS:
        op.execute(f"ALTER TABLE sites DROP COLUMN {name}")
        op.execute(f"ALTER TABLE sites RENAME COLUMN {name}_new TO {name}")
        if conn.dialect.name != "sqlite" and not nullable:  # the default only filled old rows
            op.alter_column("sites", name, server_default=None)


def _encrypt(value: str) -> str:
    return value if secrets_at_rest.is_encrypted(value) else secrets_at_rest.encrypt(value)


def upgrade() -> None:
    _retype(sa.Text(), _encrypt)


def downgrade() -> None:
    _retype(sa.String(length=128), secrets_at_rest.decrypt)

"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from chinwag_plugin_api import Model

from chinwag.extensions import db


def test_models_match_migrations(chinwag_app: Any) -> None:
    with chinwag_app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Model.metadata)
    assert diff == [], "models and migrations differ; write a migration"


def test_upgrade_is_idempotent(chinwag_app: Any) -> None:
    from chinwag.dbmigrate import upgrade

    upgrade(chinwag_app)  # already at head: nothing to do, no error
    with chinwag_app.app_context():
        tables = set(db.inspect(db.engine).get_table_names())
    assert {
        "sites",
        "users",
        "visitors",
        "conversations",
        "messages",
        "plugin_states",
        "audit_log",
    } <= tables

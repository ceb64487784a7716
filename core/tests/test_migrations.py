"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from chinwag_plugin_api import Model

from chinwag.extensions import db


def _virtual_tables(conn: Any) -> set[str]:
    """SQLite virtual tables (a plugin's FTS5 index) and the shadow tables SQLite keeps for
    them: the engine manages them, no model can describe them."""
    if conn.dialect.name != "sqlite":
        return set()
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all()
    virtual = {name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")}
    return {name for name, _ in rows if name in virtual or name.rsplit("_", 1)[0] in virtual}


def test_models_match_migrations(chinwag_app: Any) -> None:
    with chinwag_app.app_context(), db.engine.connect() as conn:
        skip = _virtual_tables(conn)

        def include_name(name: str | None, kind: str, *_rest: Any) -> bool:
            return not (kind == "table" and name in skip)

        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
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

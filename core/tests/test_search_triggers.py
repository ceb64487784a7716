"""Search stays whole across migrations: on SQLite the FTS5 triggers of 0018 exist after
``upgrade head``, a later ``batch_alter_table`` of a searched table (which recreates it) drops
them, and ``chinwag.migrations.search_triggers`` puts them back and re-indexes what was missed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from chinwag.dbmigrate import _configured
from chinwag.extensions import db
from chinwag.migrations.search_triggers import SEARCH_TABLES, TRIGGERS, trigger_sql
from chinwag.testing import VisitorClient

THROWAWAY = '''"""throwaway ({what})"""
from alembic import op
import sqlalchemy as sa
from chinwag.migrations.search_triggers import restore_search

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    {body}


def downgrade() -> None:
    pass
'''


def _squash(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def _triggers(app: Flask) -> dict[str, str]:
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).all()
    return {name: _squash(sql) for name, sql in rows}


def _expected() -> dict[str, str]:
    return {
        f"{fts}_{name}": _squash(sql)
        for content, fts in SEARCH_TABLES.items()
        for name, sql in zip(TRIGGERS, trigger_sql(content), strict=True)
    }


def test_search_indexes_exist_after_upgrade_head(chinwag_app: Flask) -> None:
    """The guard: a migration that rebuilt a searched table without the helper fails here."""
    with chinwag_app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        found = _triggers(chinwag_app)
        missing = {k: v for k, v in _expected().items() if found.get(k) != v}
        assert not missing, (
            f"search triggers missing or changed after upgrade head: {sorted(missing)}; a "
            "migration that batch-alters a searched table must use "
            "chinwag.migrations.search_triggers.rebuilt_search (docs/architecture.md)"
        )
        return
    with chinwag_app.app_context(), db.engine.connect() as conn:
        indexes = set(
            conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_%_fts'"))
            .scalars()
            .all()
        )
    assert {f"ix_{fts}" for fts in SEARCH_TABLES.values()} <= indexes


def _core_head(app: Flask) -> str:
    with _configured(app) as cfg:
        scripts = ScriptDirectory.from_config(cfg)
        core = Path(cfg.get_main_option("version_locations", "").split(" ")[0])
        heads = [
            h for h in scripts.get_heads() if Path(scripts.get_revision(h).path).parent == core
        ]
    assert len(heads) == 1, heads
    return heads[0]


def _migrate_with(app: Flask, folder: Path, revision: str) -> None:
    with _configured(app) as cfg:
        locations = cfg.get_main_option("version_locations", "")
        cfg.set_main_option("version_locations", f"{locations} {folder}")
        command.upgrade(cfg, revision)


def _search(http: FlaskClient, token: str, q: str) -> set[int]:
    res = http.get(
        "/api/v1/inbox/conversations",
        query_string={"q": q},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert res.status_code == 200, res.get_json()
    return {row["id"] for row in res.get_json()}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_batch_alter_drops_the_triggers_and_the_helper_restores_them(
    chinwag_app: Flask,
    chinwag_client: FlaskClient,
    admin_token: str,
    visitor_client: Any,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "throwaway_versions"
    folder.mkdir()
    head = _core_head(chinwag_app)
    (folder / "t1_batch.py").write_text(
        THROWAWAY.format(
            what="batch-alters messages, forgets the triggers",
            revision="t1_batch",
            down=head,
            body='with op.batch_alter_table("messages", recreate="always") as batch:\n'
            '        batch.add_column(sa.Column("scratch", sa.Integer(), nullable=True))',
        )
    )
    (folder / "t2_restore.py").write_text(
        THROWAWAY.format(
            what="the documented pattern",
            revision="t2_restore",
            down="t1_batch",
            body='restore_search("messages")',
        )
    )
    visitor: VisitorClient = visitor_client()
    before = visitor.send("aardvark before the migration")["message"]["conversation_id"]

    _migrate_with(chinwag_app, folder, "t1_batch")
    gone = {name for name in _expected() if name.startswith("messages_fts_")}
    assert gone.isdisjoint(_triggers(chinwag_app)), "recreating the table kept its triggers?"
    during = visitor.send("aardvark while search is broken", conversation_id=before)
    assert during["ok"], during
    other = visitor_client().send("zebra while search is broken")["message"]["conversation_id"]
    assert _search(chinwag_client, admin_token, "zebra") == set()  # the harm the guard prevents

    _migrate_with(chinwag_app, folder, "t2_restore")
    assert _triggers(chinwag_app) == _expected()
    assert _search(chinwag_client, admin_token, "zebra") == {other}  # rebuilt: found again
    later = visitor_client().send("yak after the repair")["message"]["conversation_id"]
    assert _search(chinwag_client, admin_token, "yak") == {later}  # the triggers work
    assert _search(chinwag_client, admin_token, "aardvark") == {before}

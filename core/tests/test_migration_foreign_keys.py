"""SQLite migrations run with foreign keys off (a table rebuild must not cascade; chinwag.dbmigrate).
Two promises keep that safe: every connection goes back to the pool with foreign keys on again,
also after a failed migration, and a migration that leaves rows pointing at nothing is rolled
back with a message naming them (``PRAGMA foreign_key_check`` before the commit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from chinwag import dbmigrate
from chinwag.extensions import db
from chinwag.testing import create_site, dispose, insert_site, make_app

CORE_HEAD = "0023_ids_never_reused"

BROKEN = '''"""drops a site behind its visitors' backs

Revision ID: c19_broken
"""
from alembic import op

revision = "c19_broken"
down_revision = None
branch_labels = ("brokenplugin",)
depends_on = "{head}"


def upgrade() -> None:
    op.execute("DELETE FROM sites WHERE id = {site}")


def downgrade() -> None:
    pass
'''


def _broken_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site_id: int) -> None:
    """A plugin branch whose one migration deletes a site and leaves its visitors dangling."""
    folder = tmp_path / "broken_migrations"
    folder.mkdir()
    (folder / "c19_broken.py").write_text(BROKEN.format(head=CORE_HEAD, site=site_id))
    loaded = dbmigrate.plugin_migration_dirs
    monkeypatch.setattr(
        dbmigrate, "plugin_migration_dirs", lambda app: {**loaded(app), "broken": folder}
    )


def _foreign_keys_at_checkin(app: Any) -> list[int]:
    """PRAGMA foreign_keys of every connection as it goes back to the pool, from now on."""
    seen: list[int] = []

    def on_checkin(dbapi_conn: Any, _record: Any) -> None:
        if dbapi_conn is not None:
            cur = dbapi_conn.cursor()
            seen.append(int(cur.execute("PRAGMA foreign_keys").fetchone()[0]))
            cur.close()

    with app.app_context():
        event.listen(db.engine, "checkin", on_checkin)
    return seen


def _visitor(app: Any, site_id: int) -> int:
    from chinwag.models import Visitor

    with app.app_context():
        visitor = Visitor(site_id=site_id)
        db.session.add(visitor)
        db.session.commit()
        return visitor.id


def _exists(app: Any, table: str, row_id: int) -> bool:
    with app.app_context():
        found = db.session.execute(
            text(f"SELECT count(*) FROM {table} WHERE id = :id"),  # noqa: S608 (a test's own names)
            {"id": row_id},
        ).scalar()
    return bool(found)


def test_foreign_keys_are_on_again_after_migrating(tmp_path: Path) -> None:
    app = make_app(tmp_path, revision=None)
    try:
        seen = _foreign_keys_at_checkin(app)
        # to the heads: the site created below is written by today's models (e.g. audit_log.plugin)
        steps = dbmigrate.upgrade(app)
        ran = [s.revision for s in steps]
        assert CORE_HEAD in ran and ran[0].startswith("0001"), ran  # every core revision ran
        assert seen and set(seen) == {1}, seen
        with app.app_context(), db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        # on again, so a deleted site still takes its visitors with it
        site = create_site(app)
        visitor = _visitor(app, site["id"])
        with app.app_context():
            db.session.execute(text("DELETE FROM sites WHERE id = :id"), {"id": site["id"]})
            db.session.commit()
        assert not _exists(app, "visitors", visitor)
    finally:
        dispose(app)


def test_a_migration_leaving_dangling_rows_is_rolled_back_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path / "instance")
    try:
        site = create_site(app)
        visitor = _visitor(app, site["id"])
        _broken_plugin(tmp_path, monkeypatch, site["id"])
        seen = _foreign_keys_at_checkin(app)
        with pytest.raises(dbmigrate.MigrationError) as caught:
            dbmigrate.upgrade(app)
        message = str(caught.value)
        assert "rolled back" in message
        assert f"visitors row {visitor} -> missing sites" in message, message
        assert seen and set(seen) == {1}, seen  # on again after the failure too
        assert _exists(app, "sites", site["id"])  # the deletion was rolled back
        assert "c19_broken" not in dbmigrate.current(app)
    finally:
        dispose(app)


def test_rows_dangling_before_the_upgrade_do_not_block_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A database written without foreign keys (by hand, an old tool): not the migration's
    doing, so it goes on and says so."""
    app = make_app(tmp_path / "instance", revision="0022_verified_email")
    try:
        site = insert_site(app)  # held at 0022
        visitor = _visitor(app, site["id"])
        with app.app_context(), db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.execute(text("DELETE FROM sites WHERE id = :id"), {"id": site["id"]})
            conn.commit()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        with caplog.at_level("WARNING", logger="chinwag.dbmigrate"):
            steps = dbmigrate.upgrade(app, CORE_HEAD)
        assert [s.revision for s in steps] == [CORE_HEAD]
        assert f"visitors row {visitor} -> missing sites" in caplog.text
    finally:
        dispose(app)


def test_the_cli_prints_the_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path / "instance")
    site = create_site(app)
    _visitor(app, site["id"])
    dispose(app)
    _broken_plugin(tmp_path, monkeypatch, site["id"])
    from click.testing import CliRunner

    from chinwag import cli

    monkeypatch.setattr(cli, "_app", lambda: make_app(tmp_path / "instance", revision=None))
    result = CliRunner().invoke(cli.cli, ["db", "upgrade"])
    assert result.exit_code == 1, result.output
    assert "Error: migration rolled back" in result.output
    assert "Traceback" not in result.output

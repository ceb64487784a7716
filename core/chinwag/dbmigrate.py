"""``chinwag db ...``: the core's migrations, then every loaded plugin's.

Plugins put their Alembic revisions in a package named by ``PluginInfo.migrations``; each
plugin's first revision starts its own branch (``branch_labels``, the package name) that
``depends_on`` the core. ``upgrade`` and ``downgrade`` return the steps they applied so the CLI
can say what changed.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from flask import Flask

from chinwag.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """One applied migration: ``revision``, its message and the direction it ran."""

    revision: str
    message: str
    upgrade: bool

    def __str__(self) -> str:
        arrow = "applied" if self.upgrade else "reverted"
        return f"{arrow} {self.revision}: {self.message}"


def plugin_migration_dirs(app: Flask) -> dict[str, Path]:
    """The migrations folder of each loaded plugin that declares one, by plugin name."""
    dirs = {}
    for record in app.extensions["chinwag"].plugins.ordered():
        if record.loaded and record.info.migrations:
            module = importlib.import_module(record.info.migrations)
            dirs[record.name] = Path(module.__file__ or "").parent
    return dirs


def alembic_config(app: Flask) -> Config:
    script_dir = Path(str(resources.files("chinwag.migrations")))
    locations = [str(script_dir / "versions"), *map(str, plugin_migration_dirs(app).values())]
    cfg = Config()
    cfg.set_main_option("script_location", str(script_dir))
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    return cfg


class MigrationError(RuntimeError):
    """A migration was rolled back because of what it did to the data (the CLI prints the
    message, no traceback)."""


@contextmanager
def _configured(app: Flask, **attributes: Any) -> Iterator[Config]:
    with app.app_context(), db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, False)
        try:
            with connection.begin():
                before = _dangling(connection) if sqlite else set()
                cfg = alembic_config(app)
                cfg.attributes["connection"] = connection
                cfg.attributes.update(attributes)
                yield cfg
                if sqlite:
                    _check_foreign_keys(connection, before)
        finally:
            if sqlite:  # also after a failed migration: the pooled connection is reused
                _foreign_keys(connection, True)


def _foreign_keys(connection: Any, on: bool) -> None:
    """SQLite: foreign keys off while migrating (the pragma works only outside a transaction).
    A batch migration rebuilds a table as copy, drop, rename; with them on, dropping a parent
    table deletes its children through ``ON DELETE CASCADE`` (SQLite's recipe for rebuilding
    tables, https://www.sqlite.org/lang_altertable.html, turns them off the same way)."""
    if connection.in_transaction():
        connection.commit()
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()


def _dangling(connection: Any) -> set[tuple[str, int | None, str]]:
    """``PRAGMA foreign_key_check``: (table, rowid, referenced table) of each row whose
    reference points at no row."""
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    return {(str(r[0]), None if r[1] is None else int(r[1]), str(r[2])) for r in rows}


def _check_foreign_keys(connection: Any, before: set[tuple[str, int | None, str]]) -> None:
    """Before the migrations commit: every reference they touched still points at a row, else
    all of them roll back with :class:`MigrationError`. Rows that pointed at nothing before
    they ran (a database written without foreign keys) are not theirs to fix: a warning names
    them, and the upgrade goes on."""
    after = _dangling(connection)
    if after & before:
        log.warning(
            "the database had %d row(s) pointing at nothing before migrating (e.g. %s);"
            " check them with PRAGMA foreign_key_check",
            len(after & before),
            _describe(sorted(after & before, key=str)[:3]),
        )
    new = sorted(after - before, key=str)
    if new:
        raise MigrationError(
            f"migration rolled back: it left {len(new)} row(s) pointing at nothing"
            f" ({_describe(new[:5])}); the database is as it was before `chinwag db upgrade`"
        )


def _describe(rows: list[tuple[str, int | None, str]]) -> str:
    return ", ".join(f"{table} row {rowid} -> missing {parent}" for table, rowid, parent in rows)


def _recorder(steps: list[Step]) -> Any:
    def on_apply(*, step: Any, **_kw: Any) -> None:
        script = step.up_revision
        doc = (getattr(script, "doc", "") or "").strip().split("\n")[0]
        steps.append(Step(step.up_revision_id, doc, bool(step.is_upgrade)))

    return on_apply


def upgrade(app: Flask, revision: str = "heads") -> list[Step]:
    """Apply migrations up to ``revision``; return the steps applied (empty: up to date)."""
    steps: list[Step] = []
    with _configured(app, on_version_apply=_recorder(steps)) as cfg:
        command.upgrade(cfg, revision)
    return steps


def downgrade(app: Flask, revision: str) -> list[Step]:
    """Revert to ``revision`` (e.g. ``-1``, ``chinwag_notes@base``); return the steps reverted."""
    steps: list[Step] = []
    with _configured(app, on_version_apply=_recorder(steps)) as cfg:
        command.downgrade(cfg, revision)
    return steps


def current(app: Flask) -> list[str]:
    """The revisions the database is at (one per branch: the core and each plugin)."""
    with app.app_context(), db.engine.connect() as conn:
        return sorted(MigrationContext.configure(conn).get_current_heads())


def history(app: Flask) -> list[Script]:
    """Every known revision, newest first."""
    with app.app_context():
        return list(ScriptDirectory.from_config(alembic_config(app)).walk_revisions())


def branch_label(app: Flask, plugin: str) -> tuple[Path, str]:
    """The migrations folder of ``plugin`` and its branch label (from its first revision)."""
    dirs = plugin_migration_dirs(app)
    if plugin not in dirs:
        raise LookupError(f"{plugin} is not loaded or declares no PluginInfo.migrations")
    folder = dirs[plugin]
    for script in history(app):
        if Path(script.path).parent == folder and script.branch_labels:
            return folder, sorted(script.branch_labels)[0]
    raise LookupError(f"{plugin}'s first revision in {folder} has no branch_labels")


def revision(
    app: Flask, message: str, autogenerate: bool = True, plugin: str | None = None
) -> Path:
    """Write a new revision: the core's (developers of Chinwag) or, with ``plugin``, at the head of
    that plugin's branch, comparing only the plugin's own tables when autogenerating."""
    attributes: dict[str, Any] = {}
    head, version_path = "head", None
    if plugin is not None:
        folder, label = branch_label(app, plugin)
        head, version_path = f"{label}@head", str(folder)
        owned = _plugin_tables(app, plugin)

        def include_object(obj: Any, name: str | None, kind: str, *_rest: Any) -> bool:
            table = obj if kind == "table" else getattr(obj, "table", None)
            return getattr(table, "name", name) in owned

        attributes["include_object"] = include_object
    with _configured(app, **attributes) as cfg:
        if version_path is None:
            version_path = cfg.get_main_option("version_locations", "").split(" ")[0]
        script = command.revision(
            cfg, message=message, autogenerate=autogenerate, head=head, version_path=version_path
        )
    scripts = script if isinstance(script, list) else [script]
    return Path(scripts[0].path) if scripts and scripts[0] is not None else Path(version_path)


def _plugin_tables(app: Flask, plugin: str) -> set[str]:
    """Tables declared by models in the plugin's package (the one holding its migrations)."""
    from chinwag_plugin_api import Model

    record = app.extensions["chinwag"].plugins.records[plugin]
    package = (record.info.migrations or "").rsplit(".", 1)[0]
    importlib.import_module(package)
    with contextlib.suppress(ModuleNotFoundError):  # the usual home of a plugin's models
        importlib.import_module(f"{package}.models")
    tables = set()
    for mapper in Model.registry.mappers:
        if mapper.class_.__module__.split(".")[0] == package.split(".")[0]:
            tables.add(str(getattr(mapper.local_table, "name", "")))
    return tables

"""``chinwag plugins check NAME``: what a plugin author (or CI) verifies before publishing.

Each check says what it looked at; migrations run on a scratch SQLite database in a temporary
folder, never on the configured one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chinwag_plugin_api import EXTENSION_POINTS, PrivacyHandler
from flask import Flask
from marshmallow import ValidationError

from chinwag.plugin_own_check import own_check
from chinwag.plugins.hookspecs import signature_errors


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def check_plugin(app: Flask, name: str) -> list[CheckResult]:
    """Run every check on the installed plugin ``name``."""
    record = app.extensions["chinwag"].plugins.records[name]
    results = [_entry_points(record), _signatures(record), _settings(app, name)]
    results += list(_migrations_and_privacy(app, record))
    own = own_check(app, name)
    if own is not None:
        results.append(CheckResult(*own))
    return results


def plugin_tables(record: Any) -> set[str]:
    """Tables of the models defined in the plugin's own packages (those its entry points and, if
    declared, its migrations live in), whether or not it declares migrations. The core's own
    record is not a plugin's: its tables are covered by :mod:`chinwag.actions.privacy`."""
    import contextlib
    import importlib

    from chinwag_plugin_api import Model

    from chinwag.plugins.host import CORE

    if record.name == CORE or not record.loaded:
        return set()
    packages = {
        type(ext).__module__.split(".")[0] for exts in record.extensions.values() for ext in exts
    }
    if record.info.migrations:
        packages.add(record.info.migrations.split(".")[0])
    packages.discard("chinwag")
    for package in packages:
        with contextlib.suppress(ModuleNotFoundError):  # the usual home of a plugin's models
            importlib.import_module(f"{package}.models")
    return {
        str(getattr(mapper.local_table, "name", ""))
        for mapper in Model.registry.mappers
        if mapper.class_.__module__.split(".")[0] in packages
    }


def privacy_gap(record: Any) -> list[str]:
    """The plugin's tables when it keeps some but registers no ``chinwag.privacy`` handler, so
    privacy requests would miss them (docs/privacy.md); empty when covered or table-less."""
    if record.extensions.get(PrivacyHandler.namespace):
        return []
    return sorted(plugin_tables(record))


def retention_gap(record: Any) -> list[str]:
    """``table.column`` of the plugin's tables that name a conversation by id (a column ending
    in ``conversation_id`` with no ``ON DELETE CASCADE`` foreign key to ``conversations``) when
    none of its privacy handlers implements ``erase_conversations``: the retention job would
    delete the conversation and leave those rows behind (docs/privacy.md)."""
    from chinwag_plugin_api import Model

    handlers = record.extensions.get(PrivacyHandler.namespace) or []
    if any(type(h).erase_conversations is not PrivacyHandler.erase_conversations for h in handlers):
        return []
    tables = plugin_tables(record)
    found = []
    for table in Model.metadata.sorted_tables:
        if table.name not in tables:
            continue
        for column in table.columns:
            cascades = any(
                fk.target_fullname == "conversations.id"
                and (fk.ondelete or "").upper() == "CASCADE"
                for fk in column.foreign_keys
            )
            if column.name.endswith("conversation_id") and not cascades:
                found.append(f"{table.name}.{column.name}")
    return sorted(found)


def _unknown_groups(name: str) -> list[str]:
    """Entry points the distribution declares under ``chinwag.*`` groups that are no Chinwag
    namespace (``chinwag.responder`` for ``chinwag.responders``): discovery skips them without
    a word, so the class they name would silently never run."""
    import difflib
    from importlib import metadata

    from chinwag.plugins.discovery import NAMESPACES

    try:
        eps = metadata.distribution(name).entry_points
    except metadata.PackageNotFoundError:  # registered in-process (chinwag.testing)
        return []
    out = []
    for group in sorted({ep.group for ep in eps if ep.group.startswith("chinwag.")}):
        if group not in NAMESPACES:
            near = difflib.get_close_matches(group, NAMESPACES, n=1)
            out.append(
                f"{group} is no Chinwag namespace" + (f" (did you mean {near[0]}?)" if near else "")
            )
    return out


def _entry_points(record: Any) -> CheckResult:
    if not record.loaded or record.load_errors:
        return CheckResult("entry points", False, "; ".join(record.load_errors) or "not loaded")
    unknown = _unknown_groups(record.name)
    if unknown:
        return CheckResult("entry points", False, "; ".join(unknown))
    found = ", ".join(f"{ns} ({len(exts)})" for ns, exts in sorted(record.extensions.items()))
    return CheckResult("entry points", True, f"all resolve: {found or 'PluginInfo only'}")


def _signatures(record: Any) -> CheckResult:
    errors = []
    hooks = 0
    for ns, exts in record.extensions.items():
        for ext in exts:
            hooks += 1
            errors += signature_errors(EXTENSION_POINTS[ns], type(ext))
    if errors:
        return CheckResult("hook signatures", False, "; ".join(errors))
    return CheckResult("hook signatures", True, f"{hooks} implementation(s) match their specs")


def _settings(app: Flask, name: str) -> CheckResult:
    host = app.extensions["chinwag"].plugins
    schema = host.records[name].info.settings_schema
    if schema is None:
        return CheckResult("settings schema", True, "no settings")
    try:
        codec = host.codecs[name]
        defaults = codec.effective({})
        fields = codec.describe()
    except (ValidationError, TypeError, ValueError) as err:
        return CheckResult("settings schema", False, f"defaults do not load: {err}")
    return CheckResult(
        "settings schema",
        True,
        f"{len(fields)} field(s), defaults load: {sorted(defaults)}",
    )


def _migrations_and_privacy(app: Flask, record: Any) -> Iterator[CheckResult]:
    from sqlalchemy import inspect

    from chinwag.app import create_app
    from chinwag.dbmigrate import _plugin_tables, branch_label, downgrade, upgrade
    from chinwag.extensions import db

    if not record.info.migrations:
        tables: set[str] = set()
        modelled = sorted(plugin_tables(record))
        if modelled:
            detail = (
                f"models define tables {modelled} but PluginInfo.migrations is not set: "
                "nothing would create them (chinwag db revision --plugin NAME, docs/cli.md)"
            )
            yield CheckResult("migrations", False, detail)
        else:
            yield CheckResult("migrations", True, "none declared (PluginInfo.migrations)")
    else:
        with tempfile.TemporaryDirectory(prefix="chinwag-check-") as tmp:
            scratch = create_app(
                {
                    "CHINWAG_INSTANCE_PATH": tmp,
                    "CHINWAG_DATABASE_URL": f"sqlite:///{Path(tmp) / 'check.db'}",
                    "SECRET_KEY": app.config["SECRET_KEY"],
                }
            )
            tables = _plugin_tables(scratch, record.name)
            try:
                _folder, label = branch_label(scratch, record.name)
                applied = upgrade(scratch)
                with scratch.app_context():
                    after_up = set(inspect(db.engine).get_table_names())
                reverted = downgrade(scratch, f"{label}@base")
                with scratch.app_context():
                    after_down = set(inspect(db.engine).get_table_names())
                upgrade(scratch)
                drift = _drift(scratch, tables)
            except Exception as err:  # any failure of the plugin's migrations is the finding
                yield CheckResult("migrations", False, f"{type(err).__name__}: {err}")
            else:
                missing = sorted(tables - after_up)
                left = sorted(tables & after_down)
                mine = [s.revision for s in applied if s.revision in {r.revision for r in reverted}]
                if missing or left:
                    detail = f"tables not created: {missing}; left after rollback: {left}"
                    yield CheckResult("migrations", False, detail)
                else:
                    yield CheckResult(
                        "migrations",
                        True,
                        f"{len(mine)} revision(s) of branch {label} apply and roll back "
                        f"(tables: {sorted(tables)})",
                    )
                    if drift:
                        yield CheckResult("models", False, "migrations miss: " + "; ".join(drift))
                    else:
                        yield CheckResult("models", True, "the migrated tables match the models")
            finally:
                with scratch.app_context():
                    db.engine.dispose()
    tables |= plugin_tables(record)
    if not tables:
        yield CheckResult("privacy", True, "keeps no tables")
    elif record.extensions.get(PrivacyHandler.namespace):
        kept = retention_gap(record)
        if kept:
            yield CheckResult(
                "privacy",
                False,
                f"{kept} name conversations by id but no PrivacyHandler implements "
                "erase_conversations: the retention job would leave those rows behind, see "
                "docs/privacy.md",
            )
        else:
            yield CheckResult("privacy", True, f"export and erase cover {sorted(tables)}")
    else:
        yield CheckResult(
            "privacy",
            False,
            f"keeps tables {sorted(tables)} but implements no PrivacyHandler "
            "(chinwag.privacy): privacy requests would miss them, see docs/privacy.md",
        )


def _drift(app: Flask, tables: set[str]) -> list[str]:
    """What autogenerate would still write for the plugin's own tables after its migrations ran:
    a column added to a model without a revision, a type changed, an index forgotten."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from chinwag_plugin_api import Model

    from chinwag.extensions import db

    def include(obj: Any, name: str | None, kind: str, *_rest: Any) -> bool:
        table = obj if kind == "table" else getattr(obj, "table", None)
        return getattr(table, "name", name) in tables

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True}
        )
        return [_describe(diff) for diff in compare_metadata(context, Model.metadata)]


def _describe(diff: Any) -> str:
    """One autogenerate difference in words (``add_column kb_articles.views``)."""
    if isinstance(diff, list):  # modify_* come grouped per column
        return ", ".join(_describe(d) for d in diff)
    op, *rest = diff
    names = [item if isinstance(item, str) else getattr(item, "name", None) for item in rest]
    return f"{op} {'.'.join(str(n) for n in names if n)}"

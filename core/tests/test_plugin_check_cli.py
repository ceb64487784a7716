"""``chinwag plugins check NAME`` on plugin distributions an author gets wrong: an entry point
under a misspelt ``chinwag.*`` group (discovery skips it silently), models but no migrations, a
model column no migration creates. Each distribution is installed for the test only (a
``.dist-info`` folder on ``sys.path``), so discovery and the scratch database see it as pip would."""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from chinwag_plugin_api import Model
from click.testing import CliRunner

from chinwag.cli import cli

INIT = """
from chinwag_plugin_api import PluginInfo, PrivacyHandler

INFO = PluginInfo(display_name="{name}", migrations={migrations!r})


class Privacy(PrivacyHandler):
    def export(self, ctx, visitor):
        return {{}}

    def erase(self, ctx, visitor):
        return None
"""

MODELS = """
from chinwag_plugin_api import Model
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class Note(Model):
    __tablename__ = "{table}"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    views: Mapped[{views_type}] = mapped_column(Integer, default=0)
"""

MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "0001_{package}"
down_revision = None
branch_labels = ("{package}",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "{table}",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        {views}
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("{table}")
"""


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """``install(short, groups=..., migrations=True, views_migrated=True, views_optional=False)``:
    put a plugin distribution ``chinwag-<short>`` on ``sys.path``; returns its name."""
    site = tmp_path / "site"
    packages: list[str] = []

    def make(
        short: str,
        groups: tuple[str, ...] = (),
        models: bool = True,
        migrations: bool = True,
        views_migrated: bool = True,
        views_optional: bool = False,
    ) -> str:
        package, table = f"chinwag_{short}", f"{short}_notes"
        packages.append(package)
        root = site / package
        (root / "migrations").mkdir(parents=True)
        dotted = f"{package}.migrations" if migrations else None
        (root / "__init__.py").write_text(INIT.format(name=short, migrations=dotted))
        if models:
            views_type = "int | None" if views_optional else "int"
            (root / "models.py").write_text(MODELS.format(table=table, views_type=views_type))
        (root / "migrations" / "__init__.py").write_text("")
        views = 'sa.Column("views", sa.Integer(), nullable=False),' if views_migrated else ""
        (root / "migrations" / f"0001_{short}.py").write_text(
            textwrap.dedent(MIGRATION).format(package=package, table=table, views=views)
        )
        info = site / f"{package}-0.1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: chinwag-{short}\nVersion: 0.1.0\n"
            "Requires-Dist: chinwag-plugin-api<2,>=1.0\n"
        )
        eps = f"[chinwag.plugins]\n{short} = {package}:INFO\n\n"
        eps += f"[chinwag.privacy]\n{short} = {package}:Privacy\n\n"
        eps += "".join(f"[{group}]\n{short} = {package}:Privacy\n\n" for group in groups)
        (info / "entry_points.txt").write_text(eps)
        return f"chinwag-{short}"

    monkeypatch.syspath_prepend(str(site))
    yield make
    for name in [m for m in sys.modules if m.split(".")[0] in packages]:
        del sys.modules[name]
    for table in [t for t in Model.metadata.tables.values() if t.name.endswith("_notes")]:
        if any(table.name == f"{p.removeprefix('chinwag_')}_notes" for p in packages):
            Model.metadata.remove(table)


@pytest.fixture
def chinwag(tmp_path: Path) -> Callable[..., Any]:
    """``chinwag(*args)``: the CLI's result, on a SQLite database of the test's own."""
    env = {
        "CHINWAG_INSTANCE_PATH": str(tmp_path / "instance"),
        "CHINWAG_DATABASE_URL": f"sqlite:///{tmp_path / 'chinwag.db'}",
        "CHINWAG_ASYNC_MODE": "threading",
        "CHINWAG_SECRET_KEY": "cli-test-secret-key-long-enough-for-hs256",
    }
    return lambda *args: CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def check(chinwag: Callable[..., Any]) -> Callable[[str], tuple[int, dict[str, str]]]:
    def run(name: str) -> tuple[int, dict[str, str]]:
        result = chinwag("plugins", "check", name)
        lines = {}
        for line in result.output.splitlines():
            if line[:4] in {"ok  ", "FAIL"}:
                key, detail = line[5:].split(": ", 1)
                lines[key] = line[:4].strip() + " " + detail
        return result.exit_code, lines

    return run


def test_a_well_made_plugin_passes_every_check(install: Any, check: Any) -> None:
    code, lines = check(install("fine13"))
    assert code == 0, lines
    assert list(lines) == [
        "entry points",
        "hook signatures",
        "settings schema",
        "migrations",
        "models",
        "privacy",
    ]
    assert lines["models"] == "ok the migrated tables match the models"


def test_an_entry_point_under_a_misspelt_group_fails(install: Any, check: Any) -> None:
    code, lines = check(install("typo13", groups=("chinwag.responder",)))
    assert code == 1
    assert lines["entry points"] == (
        "FAIL chinwag.responder is no Chinwag namespace (did you mean chinwag.responders?)"
    )


def test_models_without_migrations_fail(install: Any, check: Any) -> None:
    code, lines = check(install("nomig13", migrations=False))
    assert code == 1
    assert lines["migrations"].startswith(
        "FAIL models define tables ['nomig13_notes'] but PluginInfo.migrations is not set"
    )


def test_a_plugin_with_neither_models_nor_migrations_passes(install: Any, check: Any) -> None:
    code, lines = check(install("bare13", models=False, migrations=False))
    assert code == 0, lines
    assert lines["migrations"] == "ok none declared (PluginInfo.migrations)"
    assert lines["privacy"] == "ok keeps no tables"


def test_a_model_column_no_migration_creates_fails(install: Any, check: Any) -> None:
    code, lines = check(install("drift13", views_migrated=False))
    assert code == 1
    assert lines["migrations"].startswith("ok 1 revision(s) of branch chinwag_drift13 apply")
    assert lines["models"] == "FAIL migrations miss: add_column drift13_notes.views"


def test_db_revision_autogenerates_a_plugins_next_migration(
    install: Any, chinwag: Any, check: Any
) -> None:
    """``db revision --plugin NAME --autogenerate`` writes what the plugin's models add (and
    nothing of the core's or other plugins' tables) into its migrations, after its last one;
    it applies, and ``plugins check`` then finds the tables and models alike."""
    name = install("grow13", views_migrated=False, views_optional=True)
    assert "applied 0001_chinwag_grow13" in chinwag("db", "upgrade").output
    made = chinwag("db", "revision", "--plugin", "grow13", "-m", "add views", "--autogenerate")
    assert made.exit_code == 0, made.output
    path = Path(made.output.splitlines()[-1].removeprefix("wrote "))
    assert path.parent == Path(sys.modules["chinwag_grow13"].__file__ or "").parent / "migrations"
    code = path.read_text()
    assert "down_revision = '0001_chinwag_grow13'" in code.replace('"', "'"), code
    assert "'views'" in code.replace('"', "'") and "grow13_notes" in code
    # only the plugin's table: no other table is created, dropped or altered
    tables = re.findall(r"""(?:_table|batch_alter_table)\(\s*['"](\w+)['"]""", code)
    assert tables and set(tables) == {"grow13_notes"}, code
    upgraded = chinwag("db", "upgrade")
    assert upgraded.exit_code == 0 and "add views" in upgraded.output, upgraded.output
    status, lines = check(name)
    assert status == 0, lines
    assert lines["models"] == "ok the migrated tables match the models"
    assert lines["migrations"].startswith("ok 2 revision(s) of branch chinwag_grow13")

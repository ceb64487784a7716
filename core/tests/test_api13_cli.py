"""Plugin API 1.3: a plugin's ``chinwag.cli`` commands (``chinwag <name> ...``), from plugins
installed as distributions (a ``.dist-info`` on ``sys.path``, as pip leaves it)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chinwag.cli import cli

PLUGIN = """
import click
from chinwag_plugin_api import CliCommands


class Broken(CliCommands):
    def commands(self) -> click.Command:
        raise RuntimeError("boom")


class Squatter(CliCommands):
    def commands(self) -> click.Command:
        return click.Group("db")
"""


def _install(site: Path, name: str, entry: str) -> None:
    info = site / f"{name.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\nSummary: {name}\n"
        "Requires-Dist: chinwag-plugin-api>=1.3,<2\n"
    )
    (info / "entry_points.txt").write_text(f"[chinwag.cli]\n{name} = {entry}\n")


@pytest.fixture
def chinwag(tmp_path: Path, database_url: str, monkeypatch: Any) -> Any:
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "api13_greeter.py").write_text(textwrap.dedent(PLUGIN))
    # the reference's worked example (chinwag/plugin_examples.py), installed as a plugin
    _install(site, "chinwag-greeter13", "chinwag.plugin_examples:GreeterCommands")
    _install(site, "chinwag-broken13", "api13_greeter:Broken")
    _install(site, "chinwag-squatter13", "api13_greeter:Squatter")
    monkeypatch.syspath_prepend(str(site))
    env = {
        "CHINWAG_INSTANCE_PATH": str(tmp_path / "instance"),
        "CHINWAG_DATABASE_URL": database_url,
        "CHINWAG_ASYNC_MODE": "threading",
        "CHINWAG_SECRET_KEY": "cli-test-secret-key-long-enough-for-hs256",
    }

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def test_a_plugins_group_is_listed_and_runs_in_the_app(chinwag: Any) -> None:
    before = chinwag("plugins", "commands")  # not migrated yet: none, and why
    assert before.exit_code == 0 and "greeter" not in before.stdout
    assert "chinwag db upgrade" in before.stderr
    assert chinwag("db", "upgrade").exit_code == 0

    listed = chinwag("plugins", "commands")
    assert listed.exit_code == 0
    assert "greeter" in listed.stdout and "Greeter tools." in listed.stdout
    assert "chinwag-broken13: commands() raised RuntimeError('boom')" in listed.stderr
    assert "`chinwag db` is the core's" in listed.stderr

    ran = chinwag("greeter", "hello", "ada")
    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "hello ada from chinwag-greeter13\n"
    assert "greetings=1" in chinwag("plugins", "list").stdout
    # the squatter did not replace the core's command
    assert "Database schema." in chinwag("db", "--help").stdout


def test_a_disabled_plugins_commands_are_gone(chinwag: Any) -> None:
    chinwag("db", "upgrade")
    assert chinwag("plugins", "disable", "chinwag-greeter13").exit_code == 0
    assert "greeter" not in chinwag("plugins", "commands").stdout
    missing = chinwag("greeter", "hello", "ada")
    assert missing.exit_code == 2 and "No such command 'greeter'" in missing.stderr


def test_help_answers_without_building_the_app(tmp_path: Path, chinwag: Any) -> None:
    """``chinwag --help`` reads the plugins' metadata only: no app, no database (it works with
    an unreachable one and imports nothing of the app)."""
    import os
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from chinwag.cli import main\n"
        "sys.argv = ['chinwag', '--help']\n"
        "try:\n    main()\n"
        "except SystemExit:\n    pass\n"
        "print('APP LOADED' if 'chinwag.app' in sys.modules else 'no app')\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "site-packages"),  # the plugins the fixture installed
        "CHINWAG_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "CHINWAG_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "db" in done.stdout and "plugins" in done.stdout
    said = " ".join(done.stdout.split())
    assert "chinwag-greeter13" in said and "`chinwag plugins commands` lists" in said
    assert done.stdout.rstrip().endswith("no app")

"""The `chinwag` command: users, sites and plugins, against a real database."""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chinwag.cli import cli


@pytest.fixture
def fresh(tmp_path: Any, database_url: str) -> Any:
    """``fresh(*args, ok=True)``: the CLI on an empty database."""
    env = {
        "CHINWAG_INSTANCE_PATH": str(tmp_path),
        "CHINWAG_DATABASE_URL": database_url,
        "CHINWAG_ASYNC_MODE": "threading",
        "CHINWAG_SECRET_KEY": "cli-test-secret-key-long-enough-for-hs256",
    }
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True, input: str | None = None) -> Any:
        result = runner.invoke(cli, list(args), env=env, input=input, catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    return invoke


@pytest.fixture
def run(fresh: Any) -> Any:
    """``run(*args, ok=True, input=None)``: the CLI on a migrated database."""
    fresh("db", "upgrade")
    return fresh


def test_users_and_sites(run: Any) -> None:
    assert (
        "created admin ada@example.com"
        in run(
            "users",
            "create",
            "--email",
            "Ada@example.com",
            "--password",
            "long enough pw",
            "--role",
            "admin",
        ).output
    )
    assert (
        "exists"
        in run(
            "users",
            "create",
            "--email",
            "ada@example.com",
            "--password",
            "long enough pw",
            ok=False,
        ).output
    )
    assert (
        "at least 8"
        in run(
            "users", "create", "--email", "b@example.com", "--password", "short", ok=False
        ).output
    )
    run("users", "create", "--email", "c@example.com", "--password", "-", input="from stdin pw\n")
    site = json.loads(
        run(
            "sites",
            "create",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--origin",
            "https://www.shop.example",
            "--json",
        ).output
    )
    assert site["allowed_origins"] == ["https://shop.example", "https://www.shop.example"]
    assert site["site_key"].startswith("site_")
    plain = run("sites", "create", "--name", "Blog").output.strip()
    assert plain.startswith("site_")
    assert (
        "Not an origin"
        in run("sites", "create", "--name", "X", "--origin", "shop.example", ok=False).output
    )


def test_plugins_commands(run: Any) -> None:
    rows = json.loads(run("plugins", "list", "--json").output)
    core = next(r for r in rows if r["name"] == "chinwag")
    assert core["enabled"] and core["essential"]
    assert "chinwag" in run("plugins", "list").output
    assert "essential" in run("plugins", "disable", "chinwag", ok=False).output
    assert "No plugin named" in run("plugins", "enable", "no-such-plugin", ok=False).output
    assert (
        "Unknown setting" in run("plugins", "configure", "chinwag", "colour=blue", ok=False).output
    )
    assert "KEY=VALUE" in run("plugins", "configure", "chinwag", "oops", ok=False).output


#: the newest core migration (file names are their revision ids)
CORE_HEAD = max(
    p.stem for p in (Path(__file__).parents[2] / "migrations" / "versions").glob("0*.py")
)


def test_db_commands_report_what_they_do(fresh: Any) -> None:
    assert "empty database" in fresh("db", "current").output
    out = fresh("db", "upgrade").output
    assert "applied 0001_core: " in out and "applied 0001_media: media files" in out
    assert "applied 0004_plugin_health" in out
    assert fresh("db", "upgrade").output == "database is up to date (nothing to apply)\n"
    heads = fresh("db", "current").output.split()
    assert "0001_media" in heads and CORE_HEAD in heads
    history = fresh("db", "history").output
    assert "base -> 0001_media (chinwag_media): media files" in history
    assert "0003_audit_search -> 0004_plugin_health" in history
    # a plugin's branch rolls back on its own and comes back
    out = fresh("db", "downgrade", "chinwag_media@base").output
    assert out == "reverted 0001_media: media files\nreverted 1 migration(s)\n"
    assert "0001_media" not in fresh("db", "current").output
    assert fresh("db", "upgrade").output.startswith("applied 0001_media: media files\n")
    assert (
        "no plugin named" in fresh("db", "revision", "--plugin", "nope", "-m", "x", ok=False).output
    )


def test_plugins_check_on_a_built_in_plugin(fresh: Any) -> None:
    fresh("db", "upgrade")
    out = fresh("plugins", "check", "media").output
    lines = dict(line[5:].split(": ", 1) for line in out.splitlines())
    assert out.count("ok   ") == 6 and "FAIL" not in out, out
    assert lines["migrations"].startswith(
        "1 revision(s) of branch chinwag_media apply and roll back"
    )
    assert lines["privacy"] == "export and erase cover ['media_files']"


def test_plugin_new_renders_the_template(tmp_path: Any, fresh: Any) -> None:
    target = tmp_path / "src"
    out = fresh("plugin", "new", "ping-pong", "--directory", str(target)).output
    assert out.startswith(f"created chinwag-ping-pong in {target}")
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == [
        ".github/workflows/ci.yml",
        "README.md",
        "chinwag_ping_pong/__init__.py",
        "chinwag_ping_pong/admin.py",
        "chinwag_ping_pong/bot.py",
        "chinwag_ping_pong/feedback.py",
        "chinwag_ping_pong/migrations/0001_chinwag_ping_pong_notes.py",
        "chinwag_ping_pong/migrations/__init__.py",
        "chinwag_ping_pong/models.py",
        "chinwag_ping_pong/plugin.py",
        "chinwag_ping_pong/privacy.py",
        "chinwag_ping_pong/routes.py",
        "pyproject.toml",
        "tests/test_chinwag_ping_pong.py",
    ]
    pyproject = (target / "pyproject.toml").read_text()
    assert 'name = "chinwag-ping-pong"' in pyproject and '"Framework :: Chinwag"' in pyproject
    assert 'ping-pong = "chinwag_ping_pong.bot:Bot"' in pyproject
    for path in target.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")  # every generated module is valid Python
    assert (
        "not empty"
        in fresh("plugin", "new", "ping-pong", "--directory", str(target), ok=False).output
    )
    assert "not a plugin name" in fresh("plugin", "new", "Ping Pong!", ok=False).output

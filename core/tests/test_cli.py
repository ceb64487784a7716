"""The `chinwag` command: users, sites and plugins, against a real database."""

import json
from typing import Any

import pytest
from click.testing import CliRunner

from chinwag.cli import cli


@pytest.fixture
def run(tmp_path: Any, database_url: str) -> Any:
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

    invoke("db", "upgrade")
    return invoke


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

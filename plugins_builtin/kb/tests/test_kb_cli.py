"""``chinwag-kb import DIR --site ...``: front matter parsing, and the import reaching the
server's import route (its HTTP layer routed into the Flask test client)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chinwag_kb import cli
from chinwag_kb.frontmatter import FrontMatterError, parse
from click.testing import CliRunner
from flask.testing import FlaskClient

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_import_folder_then_export(
    tmp_path: Path,
    chinwag_client: FlaskClient,
    admin_token: str,
    demo_site: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "help"
    (folder / "billing").mkdir(parents=True)
    (folder / "reset-password.md").write_text(
        "---\ntitle: Reset your password\ntags: login, account\nstatus: published\n---\n"
        "Open **Settings**.\n"
    )
    (folder / "billing" / "Refunds.md").write_text("# Ask for a refund\n\nWithin 5 days.\n")

    def send(method: str, url: str, token: str | None, payload: Any = None) -> tuple[int, Any]:
        assert url.startswith("http://chinwag.test/") and token == admin_token
        path = url.removeprefix("http://chinwag.test")
        res = chinwag_client.open(
            path, method=method, json=payload, headers={"Authorization": f"Bearer {token}"}
        )
        return res.status_code, res.get_json()

    monkeypatch.setattr(cli, "send", send)
    args = ["--server", "http://chinwag.test", "--token", admin_token]
    site = str(demo_site["id"])
    dry = CliRunner().invoke(cli.main, [*args, "import", str(folder), "--site", site, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines() == [
        "refunds: Ask for a refund (draft)",
        "reset-password: Reset your password (published)",
        "2 article(s), nothing sent",
    ]
    done = CliRunner().invoke(cli.main, [*args, "import", str(folder), "--site", site])
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "created 2, updated 0"
    again = CliRunner().invoke(
        cli.main, [*args, "import", str(folder), "--site", site, "--status", "published"]
    )
    assert again.output.strip() == "created 0, updated 2"
    exported = CliRunner().invoke(cli.main, [*args, "export"])
    assert '"slug": "refunds"' in exported.output and '"status": "published"' in exported.output
    bad = CliRunner().invoke(cli.main, [*args, "import", str(folder), "--site", "0"])
    assert bad.exit_code == 1 and "400 validation_error" in bad.output


def test_front_matter() -> None:
    assert parse("---\ntitle: A\ntags: [x, y]\n---\nBody\n") == {
        "title": "A",
        "tags": ["x", "y"],
        "body": "Body",
    }
    assert parse("# Heading\n\ntext") == {"title": "Heading", "body": "text"}
    with pytest.raises(FrontMatterError, match="not closed"):
        parse("---\ntitle: A\n")
    with pytest.raises(FrontMatterError, match="mapping"):
        parse("---\n- a\n---\nx")

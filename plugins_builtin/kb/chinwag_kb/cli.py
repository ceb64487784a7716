"""``chinwag-kb``: import a folder of Markdown files into the knowledge base, or export it.

The ``chinwag`` command has no way for a plugin to add a sub-command, so the plugin ships its
own console script (installed with the distribution). It talks to a running Chinwag over its
HTTP API, as an admin, so it needs no access to the database and works against a remote server::

    export CHINWAG_URL=http://127.0.0.1:8000
    export CHINWAG_TOKEN=...            # or --email admin@example.com (asks for the password)
    chinwag-kb import docs/help --site 1 [--status published] [--dry-run]
    chinwag-kb export > kb.json

Each ``*.md`` file is one article (front matter: :mod:`chinwag_kb.frontmatter`); an article
whose slug exists is updated with a new revision. The import is all or nothing.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from chinwag_kb.frontmatter import FrontMatterError, load_folder

TIMEOUT = 60


def send(method: str, url: str, token: str | None, payload: Any = None) -> tuple[int, Any]:
    """One JSON request; returns (status, decoded body). The tests replace this function."""
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) only
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as res:  # noqa: S310
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as err:
        body = err.read()
        try:
            return err.code, json.loads(body or b"null")
        except ValueError:
            return err.code, {"error": {"code": "http_error", "message": body[:200].decode()}}


def _check(status: int, body: Any) -> Any:
    if status >= 400:
        error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
        detail = json.dumps(error.get("details")) if error.get("details") else ""
        raise click.ClickException(
            f"{status} {error.get('code', 'error')}: {error.get('message', '')} {detail}".strip()
        )
    return body


def _token(server: str, token: str | None, email: str | None) -> str:
    if token:
        return token
    if not email:
        raise click.UsageError("give --token (or CHINWAG_TOKEN) or --email")
    password = click.prompt("password", hide_input=True, err=True)
    body = _check(
        *send("POST", f"{server}/api/v1/auth/login", None, {"email": email, "password": password})
    )
    return str(body["access_token"])


@click.group()
@click.option("--server", envvar="CHINWAG_URL", default="http://127.0.0.1:8000", show_default=True)
@click.option("--token", envvar="CHINWAG_TOKEN", default=None, help="An admin's access token.")
@click.option("--email", default=None, help="Sign in as this admin instead (asks the password).")
@click.pass_context
def main(ctx: click.Context, server: str, token: str | None, email: str | None) -> None:
    """The knowledge base of a running Chinwag."""
    if not server.startswith(("http://", "https://")):
        raise click.UsageError("--server must be an http(s) URL")
    ctx.obj = {"server": server.rstrip("/"), "token": token, "email": email}


@main.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--site", "sites", type=int, multiple=True, required=True, help="Site id; repeatable."
)
@click.option(
    "--status", type=click.Choice(["draft", "published"]), default=None,
    help="Status of articles whose front matter gives none (default: draft).",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Parse and list the articles; send nothing.")
@click.pass_obj
def import_folder(
    obj: dict[str, Any], folder: Path, sites: tuple[int, ...], status: str | None, dry_run: bool
) -> None:
    """Import every Markdown file of FOLDER (recursively) into the sites given."""
    try:
        articles = load_folder(folder)
    except FrontMatterError as err:
        raise click.ClickException(str(err)) from None
    if not articles:
        raise click.ClickException(f"no .md files in {folder}")
    for article in articles:
        article["sites"] = list(sites)
        if status and "status" not in article:
            article["status"] = status
    if dry_run:
        for a in articles:
            click.echo(f"{a['slug']}: {a['title']} ({a.get('status', 'draft')})")
        click.echo(f"{len(articles)} article(s), nothing sent")
        return
    token = _token(obj["server"], obj["token"], obj["email"])
    body = _check(*send("POST", f"{obj['server']}/api/v1/kb/import", token, {"articles": articles}))
    click.echo(f"created {body['created']}, updated {body['updated']}")


@main.command("export")
@click.pass_obj
def export(obj: dict[str, Any]) -> None:
    """Print every article as JSON (the format the import route reads)."""
    token = _token(obj["server"], obj["token"], obj["email"])
    body = _check(*send("GET", f"{obj['server']}/api/v1/kb/export", token))
    json.dump(body, sys.stdout, indent=2, ensure_ascii=False)
    click.echo()

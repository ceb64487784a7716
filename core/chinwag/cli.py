"""The ``chinwag`` command: run the server, migrate, manage users, sites and plugins."""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any

import click


def _patch_for_async_mode() -> None:
    """Green threads must be patched in before anything imports sockets or psycopg."""
    mode = os.environ.get("CHINWAG_ASYNC_MODE", "gevent")
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    elif mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()


def _app() -> Any:
    """The app, or a clear refusal (exit status 1, no traceback) when the configuration
    cannot serve (e.g. ``CHINWAG_ENV=production`` without a secret key)."""
    from chinwag.app import create_app
    from chinwag.config import ConfigError

    try:
        return create_app()
    except ConfigError as err:
        raise click.ClickException(str(err)) from None


# -- plugins' command groups (``chinwag.cli``, API 1.3) ---------------------------------------
#
# The core's commands resolve without building an app; only ``chinwag --help`` and a word that is
# no core command load the plugins (through the host, like the server: guarded imports, hook
# signatures checked) and ask each enabled plugin's ``CliCommands`` for its group. Whatever a
# plugin does there (raise, return nothing, take a core name or another plugin's) is reported on
# stderr and skipped: the core's commands always work.


def _plugin_warn(message: str) -> None:
    click.echo(f"chinwag: {message}", err=True)


def _bind_plugin_command(command: click.Command, app: Any, record: Any) -> None:
    """Run ``command`` (and, for a group, its subcommands) inside the app's context, with
    ``current_context()`` the plugin's context."""
    original = command.callback

    def callback(*args: Any, **kwargs: Any) -> Any:
        from flask import g

        from chinwag.state import state

        click.get_current_context().with_resource(app.app_context())
        g.chinwag_plugin_context = state(app).context(record)
        return original(*args, **kwargs) if original is not None else None

    if original is not None:
        callback = functools.update_wrapper(callback, original)
    command.callback = callback


def load_plugin_commands(reserved: set[str]) -> dict[str, click.Command]:
    """The enabled plugins' commands by name (none, with a warning, when the app cannot be
    built or its plugin state read)."""
    from chinwag_plugin_api import CliCommands
    from sqlalchemy.exc import SQLAlchemyError

    from chinwag.app import create_app
    from chinwag.state import state

    try:
        app = create_app()
    except Exception as exc:  # a broken configuration must not break `chinwag --help`
        _plugin_warn(f"plugin commands unavailable: {exc}")
        return {}
    found: dict[str, tuple[click.Command, Any]] = {}
    clashed: set[str] = set()
    with app.app_context():
        try:
            hooks = list(state(app).plugins.extensions(CliCommands.namespace))
        except SQLAlchemyError:
            _plugin_warn(
                "plugin commands unavailable until the database is migrated (chinwag db upgrade)"
            )
            return {}
        for record, ext in hooks:
            try:
                command = ext.commands()
            except Exception as exc:  # a plugin's bug must not break the core's commands
                _plugin_warn(f"{record.name}: commands() raised {exc!r}; its commands are left out")
                continue
            if not isinstance(command, click.Command) or not command.name:
                _plugin_warn(f"{record.name}: commands() returned no named click command")
                continue
            name = command.name
            if name in reserved:
                _plugin_warn(
                    f"{record.name}: `chinwag {name}` is the core's; its commands are left out"
                )
                continue
            if name in found or name in clashed:
                other = found.pop(name, (None, None))[1]
                clashed.add(name)
                owners = ", ".join(sorted(n for n in (record.name, other) if n))
                _plugin_warn(f"`chinwag {name}` is claimed by {owners}: left out (rename one)")
                continue
            _bind_plugin_command(command, app, record)
            found[name] = (command, record.name)
    return {name: command for name, (command, _owner) in found.items()}


def plugins_with_commands() -> list[str]:
    """The installed distributions that declare ``chinwag.cli`` commands, read from their
    package metadata only (nothing imported, no app, no database)."""
    from importlib.metadata import entry_points

    names = set()
    for ep in entry_points(group="chinwag.cli"):
        dist = getattr(ep, "dist", None)
        names.add(dist.name if dist is not None else ep.name)
    return sorted(names)


class ChinwagGroup(click.Group):
    """The ``chinwag`` group: the core's commands, then the enabled plugins' (loaded once per
    invocation, kept in the root context, only for a word that is no core command).

    ``chinwag --help`` lists the core's commands and the installed plugins that have commands
    from their metadata, without building the app (fast, and it works with no database);
    ``chinwag plugins commands`` lists the enabled plugins' commands themselves."""

    def plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        meta = ctx.find_root().meta
        if "chinwag.plugin_commands" not in meta:
            meta["chinwag.plugin_commands"] = load_plugin_commands(set(self.commands))
        return meta["chinwag.plugin_commands"]  # type: ignore[no-any-return]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name) or self.plugin_commands(ctx).get(cmd_name)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        found = plugins_with_commands()
        if found:
            with formatter.section("Plugins with commands (while enabled)"):
                formatter.write_text(
                    ", ".join(found) + ". `chinwag plugins commands` lists their commands."
                )
        super().format_epilog(ctx, formatter)


@click.group(cls=ChinwagGroup)
def cli() -> None:
    """Chinwag: self-hosted website chat (plugins add their own commands, listed last)."""


@cli.command()
@click.option("--host", default=None, help="Default: CHINWAG_HOST.")
@click.option("--port", default=None, type=int, help="Default: CHINWAG_PORT.")
def run(host: str | None, port: int | None) -> None:
    """Serve HTTP and Socket.IO (gevent by default; CHINWAG_ASYNC_MODE=eventlet to switch)."""
    from chinwag.server import serve

    app = _app()
    _start_in_process_worker(app)
    serve(app, host, port)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply the core's and every installed plugin's migrations (up to REVISION) and say which."""
    from chinwag.dbmigrate import MigrationError, upgrade

    try:
        steps = upgrade(_app(), revision)
    except MigrationError as err:
        raise click.ClickException(str(err)) from None
    for step in steps:
        click.echo(str(step))
    click.echo(
        f"applied {len(steps)} migration(s); database is up to date"
        if steps
        else "database is up to date (nothing to apply)"
    )


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. -1, or chinwag_notes@base to remove a plugin's
    tables) and say which were reverted."""
    from alembic.util.exc import CommandError

    from chinwag.dbmigrate import downgrade

    try:
        steps = downgrade(_app(), revision)
    except CommandError as err:
        raise click.ClickException(str(err)) from None
    for step in steps:
        click.echo(str(step))
    click.echo(f"reverted {len(steps)} migration(s)" if steps else "nothing to revert")


@db.command("current")
def db_current() -> None:
    """The revision the database is at, one line per branch (the core and each plugin)."""
    from chinwag.dbmigrate import current

    heads = current(_app())
    click.echo("\n".join(heads) if heads else "empty database (run `chinwag db upgrade`)")


@db.command("history")
def db_history() -> None:
    """Every migration known to this installation (core and plugins), newest first."""
    from chinwag.dbmigrate import history

    for script in history(_app()):
        labels = f" ({', '.join(sorted(script.branch_labels))})" if script.branch_labels else ""
        down = script.down_revision or "base"
        down = ", ".join(down) if isinstance(down, tuple) else down
        doc = (script.doc or "").strip().split("\n")[0]
        click.echo(f"{down} -> {script.revision}{labels}: {doc}")


@db.command("revision")
@click.option("--plugin", "plugin", default=None, help="Write it in this plugin's migrations.")
@click.option("-m", "--message", required=True, help="What the revision changes.")
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database.")
def db_revision(plugin: str | None, message: str, autogenerate: bool) -> None:
    """Write a new migration: a plugin's (--plugin NAME, at the head of its own branch, comparing
    only its own tables) or the core's. Upgrade the database first when autogenerating."""
    from chinwag.dbmigrate import revision

    app = _app()
    if plugin is not None:
        plugin = _plugin_name(app, plugin)
    try:
        path = revision(app, message, autogenerate=autogenerate, plugin=plugin)
    except LookupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"wrote {path}")


def _plugin_name(app: Any, name: str) -> str:
    """Accept ``chinwag-notes``, ``chinwag_notes`` or ``notes`` for the plugin ``chinwag-notes``."""
    from packaging.utils import canonicalize_name

    records = app.extensions["chinwag"].plugins.records
    for candidate in (canonicalize_name(name), canonicalize_name(f"chinwag-{name}")):
        if candidate in records:
            return str(candidate)
    raise click.ClickException(f"no plugin named {name!r} is installed")


@cli.group()
def users() -> None:
    """Admins and agents."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="Or '-' to read it from standard input.")
@click.option("--role", type=click.Choice(["admin", "agent"]), default="agent", show_default=True)
@click.option("--name", default="")
def users_create(email: str, password: str, role: str, name: str) -> None:
    """Create a user who signs in with a password (the same action as the admin's "Add user")."""
    from marshmallow import ValidationError

    from chinwag.actions.users import create_user
    from chinwag.api.users import UserIn
    from chinwag.errors import ApiError

    if password == "-":  # noqa: S105 - the stdin marker, not a password
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    try:
        body = UserIn().load({"email": email, "name": name, "role": role, "password": password})
    except ValidationError as err:
        raise click.ClickException(json.dumps(err.normalized_messages())) from None
    app = _app()
    with app.app_context():
        try:
            user = create_user(
                body["email"],
                name=body["name"],
                role=body["role"],
                password=body["password"],
                email_confirmed=True,  # whoever runs the server vouches for the address
            )
        except ApiError as err:
            if err.code == "user_exists":
                raise click.ClickException(f"a user with email {email} exists") from None
            raise click.ClickException(err.message) from None
        click.echo(f"created {role} {user.email} (id {user.id})")


@cli.group()
def sites() -> None:
    """Websites that embed the widget."""


@sites.command("create")
@click.option("--name", required=True)
@click.option("--origin", "origins", multiple=True, help="Allowed origin; repeat for several.")
@click.option("--json", "as_json", is_flag=True, help="Print the site as JSON.")
def sites_create(name: str, origins: tuple[str, ...], as_json: bool) -> None:
    """Create a site and print its public key."""
    from marshmallow import ValidationError

    from chinwag.api.sites import create_site
    from chinwag.schemas import SiteIn, SiteSecretOut

    try:
        body = SiteIn().load({"name": name, "allowed_origins": list(origins)})
    except ValidationError as err:
        raise click.ClickException(json.dumps(err.normalized_messages())) from None
    app = _app()
    with app.app_context():
        site = create_site(body["name"], body["allowed_origins"])
        if as_json:
            click.echo(json.dumps(SiteSecretOut().dump(site)))
        else:
            click.echo(site.site_key)


@cli.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True)
def plugins_list(as_json: bool) -> None:
    """Every installed plugin with its state and health."""
    from chinwag.plugin_check import privacy_gap

    app = _app()
    with app.app_context():
        # the servers' stored health, not this command's own start-up calls
        host = app.extensions["chinwag"].plugins
        rows = host.report(include_self=False)
        for r in rows:
            record = host.records.get(r["name"])
            r["privacy_gap"] = privacy_gap(record) if record is not None else []
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    for r in rows:
        state = "enabled" if r["enabled"] else "disabled"
        if r["restart_required"]:
            state = "installed, restart to load"
        elif not r["loaded"]:
            state = "not loaded"
        h = r["health"]
        click.echo(
            f"{r['name']:<32} {r['version']:<10} {state:<28} "
            f"calls={h['calls']} failures={h['failures']} timeouts={h['timeouts']} "
            f"processes={h.get('processes', 0)}"
        )
        if h.get("counters"):  # the plugin's own (ctx.count), summed over every process
            click.echo("    " + " ".join(f"{k}={v}" for k, v in h["counters"].items()))
        for err in r["load_errors"]:
            click.echo(f"    ! {err}")
        if r["privacy_gap"]:
            click.echo(
                f"    ! keeps tables {r['privacy_gap']} but implements no PrivacyHandler: "
                "privacy requests miss them (docs/privacy.md)"
            )


@plugins.command("commands")
@click.pass_context
def plugins_commands(ctx: click.Context) -> None:
    """List the enabled plugins' commands (builds the app to read which plugins are enabled)."""
    root = ctx.find_root().command
    assert isinstance(root, ChinwagGroup)
    found = root.plugin_commands(ctx)
    if not found:
        click.echo("No enabled plugin adds commands.")
    for name in sorted(found):
        click.echo(f"{name:<20} {found[name].get_short_help_str(60)}")


@plugins.command("check")
@click.argument("name")
def plugins_check(name: str) -> None:
    """Check an installed plugin: entry points resolve (none under a misspelt group), hook
    signatures match, settings schema valid, migrations apply and roll back (on a scratch
    database) and create what the models declare, privacy hooks where it keeps tables, and the
    plugin's own `chinwag <group> check` command when it has one (enabled). Exits 1 when
    anything fails."""
    from chinwag.plugin_check import check_plugin

    app = _app()
    failed = False
    for result in check_plugin(app, _plugin_name(app, name)):
        failed = failed or not result.ok
        click.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.detail}")
    if failed:
        raise SystemExit(1)


@cli.group()
def plugin() -> None:
    """Tools for plugin authors."""


@plugin.command("new")
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to create it (default: ./chinwag-NAME).",
)
@click.option("--description", default="", help="One line for the package metadata.")
def plugin_new(name: str, directory: str | None, description: str) -> None:
    """Create a plugin distribution NAME from Chinwag's template: entry points, settings, a bot,
    a route, an admin page, a model with its first migration, privacy hooks, tests, README and CI.
    """
    from pathlib import Path

    from chinwag.scaffold import ScaffoldError, names_for, render_plugin

    try:
        names = names_for(name, description)
        target = Path(directory or names.dist)
        written = render_plugin(names, target)
    except ScaffoldError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"created {names.dist} in {target} ({len(written)} files)")
    click.echo(f"next: pip install -e {target} && chinwag db upgrade && chinwag plugins list")


def _set(name: str, enabled: bool) -> None:
    from chinwag.errors import ApiError
    from chinwag.plugins import admin

    app = _app()
    with app.app_context():
        try:
            admin.set_enabled(app.extensions["chinwag"].plugins, name, enabled, None)
        except ApiError as err:
            raise click.ClickException(err.message) from None
    click.echo(f"{name} {'enabled' if enabled else 'disabled'}")


@plugins.command("enable")
@click.argument("name")
def plugins_enable(name: str) -> None:
    """Enable a plugin in every running process."""
    _set(name, True)


@plugins.command("disable")
@click.argument("name")
def plugins_disable(name: str) -> None:
    """Disable a plugin in every running process."""
    _set(name, False)


@plugins.command("configure")
@click.argument("name")
@click.argument("pairs", nargs=-1, required=True)
def plugins_configure(name: str, pairs: tuple[str, ...]) -> None:
    """Set plugin settings: KEY=VALUE ... (validated by the plugin's schema)."""
    from marshmallow import ValidationError

    from chinwag.errors import ApiError
    from chinwag.plugins import admin

    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE")
        changes[key] = value
    app = _app()
    with app.app_context():
        try:
            admin.configure(app.extensions["chinwag"].plugins, name, changes, None)
        except ValidationError as err:
            raise click.ClickException(json.dumps(err.normalized_messages())) from None
        except ApiError as err:
            raise click.ClickException(err.message) from None
    click.echo(f"{name} configured: {', '.join(sorted(changes))}")


@cli.group()
def privacy() -> None:
    """Privacy requests: export or erase everything held about a visitor (docs/privacy.md)."""


def _visitor_options(fn: Any) -> Any:
    for option in (
        click.option(
            "--site", "site_id", type=int, default=None, help="Only this site's visitors."
        ),
        click.option("--external-id", default=None, help="The id the site's backend verified."),
        click.option("--email", default=None, help="The visitor's email (any case)."),
        click.option(
            "--visitor", "visitor_id", type=int, default=None, help="Chinwag's visitor id."
        ),
    ):
        fn = option(fn)
    return fn


def _one_visitor(**criteria: Any) -> Any:
    """The one visitor matching the criteria; several matches are listed and refused."""
    from chinwag.actions.privacy import find_visitors

    given = {k: v for k, v in criteria.items() if v is not None}
    if not set(given) - {"site_id"}:
        raise click.UsageError("give --visitor ID, --email ADDRESS or --external-id ID")
    found = find_visitors(**given)
    if not found:
        raise click.ClickException("no visitor matches")
    if len(found) > 1:
        for v in found:
            click.echo(
                f"visitor {v.id} site {v.site_id} email={v.email} external_id={v.external_id}"
            )
        raise click.ClickException(f"{len(found)} visitors match: choose one with --visitor ID")
    return found[0]


@privacy.command("export")
@_visitor_options
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Archive to write (default: chinwag-visitor-ID.zip in the current folder).",
)
def privacy_export(output: str | None, **criteria: Any) -> None:
    """Write one zip archive of everything held about a visitor: export.json and their files."""
    from chinwag import audit
    from chinwag.actions.privacy import write_archive
    from chinwag.extensions import db as database

    app = _app()
    with app.app_context():
        visitor = _one_visitor(**criteria)
        path = output or f"chinwag-visitor-{visitor.id}.zip"
        with open(path, "wb") as fp:
            data = write_archive(visitor, fp)
        audit.record(None, "visitor.export", "visitor", visitor.id, archive=True)
        database.session.commit()
    files, errors = data["archive"]["files"], data["archive"]["errors"]
    click.echo(f"wrote {path}: {len(data['conversations'])} conversation(s), {len(files)} file(s)")
    for err in errors:
        click.echo(f"    ! {err['plugin']} {err['path']}: {err['error']}")
    if errors:
        raise SystemExit(1)


@privacy.command("erase")
@_visitor_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def privacy_erase(yes: bool, **criteria: Any) -> None:
    """Erase a visitor: their messages, attributes, files in every storage and every plugin's data
    (third-party services get a deletion request from their plugin). Audited without the data."""
    from chinwag import revocation
    from chinwag.actions.privacy import erase_visitor

    app = _app()
    with app.app_context():
        visitor = _one_visitor(**criteria)
        if not yes:
            click.confirm(f"Erase visitor {visitor.id} and everything held about them?", abort=True)
        visitor_id = visitor.id
        failed = erase_visitor(visitor, None)
        revocation.revoke("visitor", [visitor_id])
    click.echo(f"erased visitor {visitor_id}")
    for name in failed:
        click.echo(
            f"    ! plugin {name} failed to erase its data: see the audit log and the plugin's health"
        )
    if failed:
        raise SystemExit(1)


@cli.group()
def secrets() -> None:
    """Secrets stored encrypted in the database (CHINWAG_DATA_KEYS; docs/security.md)."""


@secrets.command("generate-key")
@click.option(
    "--derived", is_flag=True, help="Print the key derived from CHINWAG_SECRET_KEY instead."
)
def secrets_generate_key(derived: bool) -> None:
    """Print a new data key (put it first in CHINWAG_DATA_KEYS, then rotate)."""
    from chinwag.secrets_at_rest import derived_key, generate_key

    if derived:
        click.echo(derived_key(str(_app().config["SECRET_KEY"])))
        return
    click.echo(generate_key())


@secrets.command("rotate")
def secrets_rotate() -> None:
    """Re-encrypt every stored secret with the first key of CHINWAG_DATA_KEYS (plaintexts left
    from before encryption included); afterwards the other keys may be removed."""
    from chinwag.extensions import db
    from chinwag.secrets_at_rest import SecretsError
    from chinwag.secrets_rotation import rotate_all

    app = _app()
    with app.app_context():
        host = app.extensions["chinwag"].plugins
        names = {name: set(codec.secrets()) for name, codec in host.codecs.items()}
        try:
            counts = rotate_all(names)
        except SecretsError as err:
            db.session.rollback()
            raise click.ClickException(str(err)) from None
        db.session.commit()
    click.echo(
        f"re-encrypted {counts['site_secrets']} site identity secret(s) and "
        f"{counts['plugin_secrets']} plugin secret setting(s) with the newest key"
    )


@cli.command("demo")
@click.option("--origin", "origins", multiple=True)
def demo(origins: tuple[str, ...]) -> None:
    """Migrate and create a demo site and admin once (used by `make run`)."""
    import secrets

    from chinwag.actions.users import create_user
    from chinwag.api.sites import create_site
    from chinwag.dbmigrate import upgrade
    from chinwag.extensions import db as _db
    from chinwag.models import Site, User

    app = _app()
    steps = upgrade(app)
    click.echo(f"database: applied {len(steps)} migration(s)" if steps else "database: up to date")
    with app.app_context():
        if _db.session.query(Site).count() == 0:
            site = create_site("Demo site", list(origins), {"team_name": "Chinwag demo"})
            click.echo(f"demo site key: {site.site_key}")
        if _db.session.query(User).count() == 0:
            password = os.environ.get("CHINWAG_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            email = os.environ.get("CHINWAG_ADMIN_EMAIL", "admin@example.com")
            create_user(
                email,
                name="Admin",
                role="admin",
                password=password,
                email_confirmed=True,
            )
            if "CHINWAG_ADMIN_PASSWORD" in os.environ:
                click.echo(f"admin: {email} (password from CHINWAG_ADMIN_PASSWORD)")
            else:
                click.echo(f"admin: {email}  password: {password}  (shown once)")


@cli.group()
def docs() -> None:
    """Generated documentation."""


@docs.command("plugins")
def docs_plugins() -> None:
    """Print the plugin-author reference (docs/plugins.md) generated from the plugin API."""
    from chinwag.plugin_docs import render

    click.echo(render(), nl=False)


@docs.command("config")
@click.option("--update", type=click.Path(exists=True), help="Rewrite the table inside this file.")
def docs_config(update: str | None) -> None:
    """Print the configuration table of docs/configuration.md (or rewrite it in place)."""
    import re

    from chinwag.config import settings_markdown

    table = settings_markdown()
    if not update:
        click.echo(table, nl=False)
        return
    with open(update) as f:
        text = f.read()
    start, end = "<!-- config:start -->\n", "<!-- config:end -->"
    new = re.sub(f"{start}.*?{end}", lambda _m: f"{start}{table}{end}", text, flags=re.S)
    with open(update, "w") as f:
        f.write(new)


# -- background jobs (docs/jobs.md) ---------------------------------------------------------


def _job_worker(app: Any, workers: int | None = None) -> Any:
    from chinwag.app import state
    from chinwag.jobs import JobWorker

    mode = app.config["CHINWAG_ASYNC_MODE"]
    if mode == "gevent" and app.config["CHINWAG_DATABASE_URL"].startswith("postgresql"):
        from chinwag.server import cooperative_psycopg

        cooperative_psycopg()
    count = workers or app.config["CHINWAG_JOBS_WORKERS"]
    return JobWorker(state(app).jobs, count, "greenlet" if mode == "gevent" else "thread")


def _start_in_process_worker(app: Any) -> None:
    """``chinwag run`` runs jobs too unless CHINWAG_JOBS_IN_PROCESS=false (separate workers)."""
    from chinwag.jobs import flag

    if flag(app.config["CHINWAG_JOBS_IN_PROCESS"]):
        _job_worker(app).start_in_process()


@cli.command()
@click.option("--workers", default=None, type=int, help="Default: CHINWAG_JOBS_WORKERS.")
def worker(workers: int | None) -> None:
    """Run background jobs (media processing, scheduled jobs) until SIGINT/SIGTERM."""
    import logging

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = _app()
    storage = type(app.extensions["chinwag"].jobs.huey.storage).__name__
    click.echo(f"Chinwag job worker {os.getpid()} on {storage}")
    _job_worker(app, workers).run()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("run", "worker"):
        _patch_for_async_mode()
    cli()

"""Plugins' command groups in the ``chinwag`` command line (``chinwag.cli``, API 1.3).

The core's commands resolve without building an app; only ``chinwag --help`` and a word that is
no core command load the plugins (through the host, like the server: guarded imports, hook
signatures checked) and ask each enabled plugin's :class:`~chinwag_plugin_api.CliCommands` for
its group. Whatever a plugin does there (raise, return nothing, take a core name or another
plugin's) is reported on stderr and skipped: the core's commands always work.
"""

from __future__ import annotations

import functools
from typing import Any

import click
from chinwag_plugin_api import CliCommands


def _warn(message: str) -> None:
    click.echo(f"chinwag: {message}", err=True)


def _bind(command: click.Command, app: Any, record: Any) -> None:
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


def load(reserved: set[str]) -> dict[str, click.Command]:
    """The enabled plugins' commands by name (none, with a warning, when the app cannot be
    built or its plugin state read)."""
    from sqlalchemy.exc import SQLAlchemyError

    from chinwag.app import create_app
    from chinwag.state import state

    try:
        app = create_app()
    except Exception as exc:  # a broken configuration must not break `chinwag --help`
        _warn(f"plugin commands unavailable: {exc}")
        return {}
    found: dict[str, tuple[click.Command, Any]] = {}
    clashed: set[str] = set()
    with app.app_context():
        try:
            hooks = list(state(app).plugins.extensions(CliCommands.namespace))
        except SQLAlchemyError:
            _warn("plugin commands unavailable until the database is migrated (chinwag db upgrade)")
            return {}
        for record, ext in hooks:
            try:
                command = ext.commands()
            except Exception as exc:  # a plugin's bug must not break the core's commands
                _warn(f"{record.name}: commands() raised {exc!r}; its commands are left out")
                continue
            if not isinstance(command, click.Command) or not command.name:
                _warn(f"{record.name}: commands() returned no named click command")
                continue
            name = command.name
            if name in reserved:
                _warn(f"{record.name}: `chinwag {name}` is the core's; its commands are left out")
                continue
            if name in found or name in clashed:
                other = found.pop(name, (None, None))[1]
                clashed.add(name)
                owners = ", ".join(sorted(n for n in (record.name, other) if n))
                _warn(f"`chinwag {name}` is claimed by {owners}: left out (rename one)")
                continue
            _bind(command, app, record)
            found[name] = (command, record.name)
    return {name: command for name, (command, _owner) in found.items()}


class ChinwagGroup(click.Group):
    """The ``chinwag`` group: the core's commands, then the enabled plugins' (loaded once per
    invocation, kept in the root context)."""

    def _plugins(self, ctx: click.Context) -> dict[str, click.Command]:
        meta = ctx.find_root().meta
        if "chinwag.plugin_commands" not in meta:
            meta["chinwag.plugin_commands"] = load(set(self.commands))
        return meta["chinwag.plugin_commands"]  # type: ignore[no-any-return]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands) + sorted(self._plugins(ctx))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name) or self._plugins(ctx).get(cmd_name)

"""The last step of ``chinwag plugins check NAME``: the plugin's own ``check`` command.

A plugin whose command group (``CliCommands``) has a ``check`` subcommand (``chinwag ga4 check``:
a connection check against the vendor's validation server) gets it run too, while the plugin is
enabled, as ``chinwag <group> check`` would run it (the app's context, ``current_context()`` the
plugin's); it passes unless it raises a ``click.ClickException`` (its message is the detail)
or exits with a non-zero code. Its own output is printed as it runs. A disabled plugin's is
skipped (it has no commands then), as is every plugin's on a database not migrated yet.
"""

from __future__ import annotations

from typing import Any

import click
from chinwag_plugin_api import CliCommands
from flask import Flask, g
from sqlalchemy.exc import SQLAlchemyError


def own_check(app: Flask, name: str) -> tuple[str, bool, str] | None:
    """``(label, ok, detail)`` of the enabled plugin ``name``'s ``check`` command; None when it
    has none (or is not enabled)."""
    from chinwag.state import state

    with app.app_context():
        try:  # enabled or not is the database's plugin state
            hooks = list(state(app).plugins.extensions(CliCommands.namespace))
        except SQLAlchemyError:  # not migrated (an author's scratch setup): nothing is enabled
            return None
        for record, ext in hooks:
            if record.name != name:
                continue
            try:
                group: Any = ext.commands()
            except Exception as exc:  # a plugin's bug is its check's failure, not the core's
                return ("own check", False, f"commands() raised {exc!r}")
            command = group.commands.get("check") if isinstance(group, click.Group) else None
            if command is None:
                return None
            label = f"chinwag {group.name} check"
            g.chinwag_plugin_context = state(app).context(record)
            try:
                command.main(args=[], prog_name=label, standalone_mode=False)
            except click.ClickException as exc:
                return (label, False, exc.format_message())
            except SystemExit as exc:
                if exc.code not in (0, None):
                    return (label, False, f"exited with {exc.code}")
            return (label, True, "passed")
    return None

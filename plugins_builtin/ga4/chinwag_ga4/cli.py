"""``chinwag ga4 check``: the connection check of ``POST /api/v1/ga4/check`` from the command
line. Sample events, in the form the sink sends them, go to GA4's validation server (which
records nothing); its messages are printed and the command exits 1 when there is any, when the
plugin is not configured, or when the server cannot be reached (for scripts and deployments).
``chinwag plugins check ga4`` runs it too (the core runs an enabled plugin's own ``check``
command after its other checks)."""

from __future__ import annotations

import click
from chinwag_plugin_api import CliCommands, PluginError, current_context

from chinwag_ga4.plugin import Config
from chinwag_ga4.routes import check


class GA4Cli(CliCommands):
    """The ``ga4`` command group."""

    def commands(self) -> click.Command:
        @click.group("ga4")
        def group() -> None:
            """Google Analytics 4 (chinwag-ga4)."""

        @group.command("check")
        def check_command() -> None:
            """Validate sample events against GA4's validation server."""
            try:
                result = check(Config.of(current_context().settings))
            except PluginError as exc:
                raise click.ClickException(f"{exc.message} ({exc.code})") from exc
            click.echo(f"validated by {result['endpoint']}")
            for m in result["messages"]:
                click.echo(
                    f"{m.get('validationCode', '')} {m.get('fieldPath', '')}: "
                    f"{m.get('description', '')}"
                )
            if not result["ok"]:
                raise click.ClickException("GA4's validation server found problems (above).")
            click.echo("ok: GA4's validation server found nothing wrong")

        return group

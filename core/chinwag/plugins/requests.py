"""What a plugin's HTTP request gets from the core: its context for ``current_context()``, and the
1.0 name ``flask.g.chinwag_plugin`` kept working (with a deprecation warning) until 2.0."""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import PluginContext
from chinwag_plugin_api.versions import G_CHINWAG_PLUGIN
from flask import g


class DeprecatedContextAlias:
    """``g.chinwag_plugin``: forwards to the context and warns on each use (deprecated in 1.1)."""

    def __init__(self, ctx: PluginContext) -> None:
        self._ctx = ctx

    def __getattr__(self, name: str) -> Any:
        G_CHINWAG_PLUGIN.warn()
        return getattr(self._ctx, name)


def bind_request_context(ctx: PluginContext) -> None:
    """Make ``ctx`` the current plugin context of this request."""
    g.chinwag_plugin_context = ctx
    g.chinwag_plugin = DeprecatedContextAlias(ctx)

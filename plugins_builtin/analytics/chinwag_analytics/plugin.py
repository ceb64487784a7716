"""What chinwag-analytics declares about itself: on by default, no settings, its own migrations."""

from __future__ import annotations

from chinwag_plugin_api import PluginInfo

INFO = PluginInfo(
    display_name="Analytics",
    enabled_by_default=True,
    migrations="chinwag_analytics.migrations",
)

"""The plugin's declaration: off until an admin switches it on (then index the sites once)."""

from __future__ import annotations

from chinwag_plugin_api import PluginInfo

INFO = PluginInfo(
    display_name="Knowledge base: semantic search",
    enabled_by_default=False,
    migrations="chinwag_kb_semantic.migrations",
    requires=("chinwag-kb",),
)

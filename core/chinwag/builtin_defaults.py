"""The core's own plugin declaration: its defaults (block types, local storage) are entry points
of the ``chinwag`` distribution and load through the same path as any third-party plugin."""

from chinwag_plugin_api import PluginInfo

INFO = PluginInfo(display_name="Chinwag core", essential=True)

"""The plugin host: discovery (stevedore), state, isolated dispatch, settings."""

from chinwag.plugins.host import PluginHost, PluginRecord

__all__ = ["PluginHost", "PluginRecord"]

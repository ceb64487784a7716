"""The Chinwag web admin: a plugin like any other, mounted at ``/admin``.

It is pure presentation over the core's REST and Socket.IO APIs: the server side only serves
page shells and static files; every datum comes from ``/api/v1`` with the signed-in user's
token, so the API's role checks are the only ones that matter.
"""

from chinwag_plugin_api import PluginInfo

INFO = PluginInfo(display_name="Web admin", essential=True)

__all__ = ["INFO"]

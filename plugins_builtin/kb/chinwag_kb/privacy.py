"""Privacy: the knowledge base keeps nothing about visitors.

Its tables hold articles, their revisions (with the id of the *agent or admin* who saved each,
not of a visitor) and the search index. Searches and article reads are not logged, so there is
nothing to export or erase for a visitor; the handler says so explicitly, so a privacy request
lists this plugin as covered (and ``chinwag plugins check`` can tell) instead of silently
skipping it. Should the plugin ever record views, they belong here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef


class KbPrivacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        return {}

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        return None

"""Privacy: the semantic index keeps nothing about visitors.

Its one table holds a vector per published article (made from the article's text, deleted with
the article); queries are embedded in memory and never stored. There is nothing to export or
erase for a visitor; the handler says so explicitly, so a privacy request lists this plugin as
covered and ``chinwag plugins check`` can tell.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef


class SemanticPrivacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        return {}

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        return None

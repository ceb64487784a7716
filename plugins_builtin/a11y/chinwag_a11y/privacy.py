"""The plugin keeps nothing about visitors (audits describe a site's widget), so exports are
empty and erasure has nothing to delete: declared, so privacy requests say so explicitly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef


class A11yPrivacy(PrivacyHandler):
    """Nothing per visitor: audits hold a site key and axe-core's findings only."""

    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        return {}

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        return None

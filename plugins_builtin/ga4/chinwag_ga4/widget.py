"""The widget's events in the host page's ``dataLayer``, on the sites that opted in
(``datalayer_sites``): a :class:`~chinwag_plugin_api.HostPageEvents` declaration; the widget and
its loader do the rest (no Google script in the widget)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import Feature, HostPageEvents, PluginContext, WidgetFeatures


def datalayer_on(settings: Mapping[str, Any], site_id: int) -> bool:
    """Whether ``datalayer_sites`` (``*``, or site ids separated by commas) names the site."""
    chosen = str(settings.get("datalayer_sites") or "")
    return chosen == "*" or str(site_id) in chosen.split(",")


class GA4Widget(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [HostPageEvents(prefix="chinwag_")] if datalayer_on(ctx.settings, site_id) else []

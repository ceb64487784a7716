"""Advice where authors write: the same checks as the outbound processor, asked by the admin's
canned-response editor and by any plugin's editor (chinwag-kb's articles) through the
``chinwag.content_checks`` extension point, before anything reaches a visitor.

An image without a description fails 1.1.1 (``error``); links, buttons and headings that
mislead screen-reader users are ``warning``s; capitals, emoji alone and a hard reading level
are ``advice``. Each message names the WCAG 2.2 criterion. Nothing here blocks a save.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import Advice, ContentCheck, PluginContext

from chinwag_a11y.outbound import text_advice

#: severity by advice code; any other code is ``advice``
SEVERITY = {
    "missing_alt": "error",
    "vague_link": "warning",
    "url_as_link_text": "warning",
    "heading_skipped": "warning",
}


def _locale(ctx: PluginContext, site_id: int | None) -> str:
    """The site's locale (English for texts shared by every site or an unknown site)."""
    if site_id is None:
        return "en"
    return str(ctx.site_settings(site_id).get("locale") or "en")


class A11yContentCheck(ContentCheck):
    """WCAG advice on canned replies and articles as their authors save them."""

    def check(
        self,
        ctx: PluginContext,
        site_id: int | None,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
    ) -> list[Advice]:
        found = text_advice(text, blocks, _locale(ctx, site_id))
        return [
            Advice(
                code=item["code"],
                message=f"{item['criterion']}: {item['message']}"
                if item["criterion"]
                else item["message"],
                severity=SEVERITY.get(item["code"], "advice"),
            )
            for item in found
        ]

"""Per-page questions in the widget: one proactive greeting per page rule, listing that page's
questions (the rules are evaluated in the widget against the page the chat is opened on).

Why a greeting and not chips: a plugin learns nothing of the visitor's page (``VisitorRef`` has
no page URL and ``features()`` gets only the site), and proactive messages are text; clickable
chips come with the bot's answers (``learn.py``). docs/suggest.md says more."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from chinwag_plugin_api import Feature, PluginContext, ProactiveRules, Rule, WidgetFeatures


def rule_id(url: str) -> str:
    return "suggest-" + hashlib.sha256(url.encode()).hexdigest()[:12]


class PageSuggestions(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        intro = str(ctx.settings["page_intro"])
        rules = tuple(
            Rule(
                id=rule_id(r["url"]),
                message=f"{intro} " + " · ".join(r["questions"]),
                url=r["url"],
                cap_hours=1,
            )
            for r in ctx.settings["pages"]
        )
        return [ProactiveRules(rules=rules)] if rules else []

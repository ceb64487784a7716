"""Per-page chips in the widget: one proactive rule per page rule of the site, carrying that
page's questions as ``chips``. The rules are evaluated in the widget against the page the chat
is opened on; the proactive chunk shows the intro line in the log with the chips under it, and
a chip clicked (or Enter on it) is sent as the visitor's message. The rules name the plugin's
``suggest.page_chips`` event (``Rule.event``, plugin API 1.5), so the widget reports each rule
shown and each chip picked (chinwag_suggest.chips). Shown on every page view
(``cap_hours=0``): chips are an offer, not an interruption. A chip an admin hid in
*Plugins > Suggestions* is left out. docs/suggest.md says more."""

from __future__ import annotations

from collections.abc import Sequence

from chinwag_plugin_api import Feature, PluginContext, ProactiveRules, Rule, WidgetFeatures
from sqlalchemy import select

from chinwag_suggest.chips import PAGE_CHIPS_EVENT
from chinwag_suggest.models import Suggestion, question_key
from chinwag_suggest.pages import for_site, pattern, rule_id


class PageSuggestions(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        intro = str(ctx.settings["page_intro"])
        hidden = set(
            ctx.db_session.execute(
                select(Suggestion.key).where(
                    Suggestion.site_id == site_id, Suggestion.hidden.is_(True)
                )
            ).scalars()
        )
        rules = []
        for r in for_site(ctx.settings["pages"], site_id):
            chips = tuple(q for q in r["questions"] if question_key(q) not in hidden)
            if chips:
                rules.append(
                    Rule(
                        id=rule_id(r),
                        message=intro,
                        url=pattern(r),
                        cap_hours=0,
                        chips=chips,
                        event=PAGE_CHIPS_EVENT,
                    )
                )
        return [ProactiveRules(rules=tuple(rules))] if rules else []

"""The widget features: thumbs under answers (MessageActions) and the survey card (Prompts).

Declared as data; the widget renders them and sends each action to the plugin's socket events
``feedback.rate`` and ``feedback.csat`` (``service.py`` answers them).
"""

from __future__ import annotations

from collections.abc import Sequence

from chinwag_plugin_api import (
    ActionSubmit,
    Feature,
    MessageActions,
    MessageRule,
    PluginContext,
    Prompts,
    SocketEvent,
    SocketHandlers,
    WidgetFeatures,
)

from chinwag_feedback import strings
from chinwag_feedback.plugin import site_config
from chinwag_feedback.service import (
    CSAT_EVENT,
    PROMPT_EVENT,
    RATE_EVENT,
    _thumbs,
    answer_survey,
    rate,
)


class FeedbackWidget(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        cfg = site_config(ctx.settings, site_id)
        if not cfg.enabled:
            return []
        kinds = ("bot", "agent") if cfg.rate_agent_answers else ("bot",)
        found: list[Feature] = [
            MessageActions(
                event=RATE_EVENT,
                when=MessageRule(author_kinds=kinds),
                # declared per site: every shipped language, the core picks the visitor's
                label=strings.localized("rate_label", cfg.default_locale),
                components=_thumbs(None, site_locale=cfg.default_locale),
            )
        ]
        if cfg.ask != "never":
            found.append(Prompts(event=PROMPT_EVENT))
        return found


class FeedbackEvents(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [
            SocketEvent(RATE_EVENT, ActionSubmit, rate, namespaces=("/widget",)),
            SocketEvent(CSAT_EVENT, ActionSubmit, answer_survey, namespaces=("/widget",)),
        ]

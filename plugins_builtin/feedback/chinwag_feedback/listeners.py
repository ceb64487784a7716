"""Learns answers and conversations from the core's events, and asks surveys on close (in the
widget, or by mail to a visitor who left)."""

from __future__ import annotations

from chinwag_plugin_api import PluginContext
from chinwag_plugin_api.events import ConversationClosed, Event, EventListener, MessageStored

from chinwag_feedback.mail_survey import mail_survey
from chinwag_feedback.service import ask_survey, track_message


class FeedbackListener(EventListener):
    events = ("message.stored", "conversation.closed")

    def handle(self, ctx: PluginContext, event: Event) -> None:
        if isinstance(event, MessageStored):
            track_message(ctx, event)
        # a visitor who left gets it by mail where the site asks so (chinwag_feedback.mail_survey)
        elif isinstance(event, ConversationClosed) and not mail_survey(
            ctx, event.conversation_id, "on_close"
        ):
            ask_survey(ctx, event.conversation_id, "on_close")

"""Learns answers and conversations from the core's events, and asks surveys on close."""

from __future__ import annotations

from chinwag_plugin_api import PluginContext
from chinwag_plugin_api.events import ConversationClosed, Event, EventListener, MessageStored

from chinwag_feedback.service import ask_survey, track_message


class FeedbackListener(EventListener):
    events = ("message.stored", "conversation.closed")

    def handle(self, ctx: PluginContext, event: Event) -> None:
        if isinstance(event, MessageStored):
            track_message(ctx, event)
        elif isinstance(event, ConversationClosed):
            ask_survey(ctx, event.conversation_id, "on_close")

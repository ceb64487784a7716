"""Fixtures of the suggestion plugin's tests: the plugin enabled, and a stand-in bot whose
answers cite an article (a ``card`` block), as the answer bot's do."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_plugin_api import ConversationView, MessageView, PluginContext, Reply, Responder

from chinwag.testing import enable_plugin, register_plugin


class CitingBot(Responder):
    """Answers every question with a card; "person" hands off."""

    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        if "person" in message.text:
            return Reply(text="Passing you on.", handoff=True)
        if len(message.text.split()) < 2:
            return None
        card = {"type": "card", "title": f"About {message.text}", "url": "/kb/1"}
        return Reply(text=f"Here is what I know about {message.text}.", blocks=(card,))


@pytest.fixture
def suggest(chinwag_app: Any) -> Any:
    enable_plugin(chinwag_app, "chinwag-suggest")
    register_plugin(chinwag_app, "test-citing-bot", CitingBot)
    return chinwag_app

"""Fixtures of the analytics plugin's tests: the plugin enabled and a bot that answers (and hands
over to humans when asked for one)."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_plugin_api import ConversationView, MessageView, PluginContext, Reply, Responder

from chinwag.testing import enable_plugin, register_plugin

PLUGIN = "chinwag-analytics"


class HelperBot(Responder):
    """Answers every visitor message; a message asking for a human hands the conversation over."""

    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        if "human" in message.text:
            return Reply(text="Passing you to a colleague.", handoff=True)
        return Reply(text=f"Answer to: {message.text}")


@pytest.fixture
def analytics_app(chinwag_app: Any) -> Any:
    """``chinwag_app`` with chinwag-analytics enabled and the helper bot answering."""
    register_plugin(chinwag_app, "helper-bot", HelperBot)
    enable_plugin(chinwag_app, PLUGIN)
    return chinwag_app

"""A third-party plugin used by the tests: a route, a bot, and settings."""

from __future__ import annotations

import time

from chinwag_plugin_api import (
    ConversationView,
    MessageView,
    PluginContext,
    PluginInfo,
    Reply,
    Responder,
    RoutesProvider,
    current_context,
)
from flask import Blueprint, jsonify
from marshmallow import Schema, fields


class HelloSettings(Schema):
    greeting = fields.String(load_default="Hello")


INFO = PluginInfo(display_name="Hello", settings_schema=HelloSettings, enabled_by_default=False)


class HelloRoutes(RoutesProvider):
    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_hello", __name__)

        @bp.get("/hello")
        def hello() -> object:
            return jsonify({"greeting": current_context().settings["greeting"]})

        return bp


class HelloBot(Responder):
    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        if message.text.startswith("/hang"):
            time.sleep(30)
        if message.text.startswith("/boom"):
            raise RuntimeError("hello bot exploded")
        if message.text.startswith("/human"):
            return Reply(text="Handing you to a human.", handoff=True)
        if message.text.startswith("/hello"):
            return Reply(text=f"{ctx.settings['greeting']}, you said {message.text[7:]}")
        return None

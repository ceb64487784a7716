"""A third-party plugin used by the widget's tests: a bot answering "ping" with "pong", thumbs
under its answers (then a reason and a comment), article suggestions while the visitor types, a
Help tab, prompts, proactive rules and display preferences, all declared as widget data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import (
    Action,
    ActionSubmit,
    AssistQuery,
    Button,
    ComposerAssist,
    ConversationView,
    Feature,
    Input,
    ListItem,
    ListView,
    MessageActions,
    MessageRule,
    MessageView,
    Option,
    PanelTab,
    PluginContext,
    PluginInfo,
    Preference,
    Preferences,
    ProactiveRules,
    Prompts,
    Reply,
    Responder,
    RoutesProvider,
    Rule,
    SingleSelect,
    SocketEvent,
    SocketHandlers,
    Submit,
    Text,
    Textarea,
    WidgetFeatures,
    components_reply,
    current_context,
    prompt_payload,
    require_role,
)
from flask import Blueprint, jsonify, request

INFO = PluginInfo(display_name="Helpdesk", enabled_by_default=False)

ARTICLES = {
    "reset": ("Reset your password", "Open Settings, choose Security, then Reset password."),
    "refund": ("Ask for a refund", "Refunds are paid within 5 days to the card you used."),
    "shipping": ("Shipping times", "Parcels arrive in 2 to 4 working days."),
}

#: what the plugin received from widgets (the tests read it through GET /received)
RECEIVED: list[dict[str, Any]] = []

RATE = Action("helpdesk.rate")
HELP = Action("helpdesk.help")
REASONS = (
    Option("wrong", "It was wrong"),
    Option("unclear", "It was unclear"),
    Option("other", "Something else"),
)


class PingBot(Responder):
    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        return Reply(text="pong") if message.text.strip().lower() == "ping" else None


def _rate(ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]) -> dict[str, Any]:
    step = data.get("payload", {}).get("step", "")
    value = data.get("payload", {}).get("value", "")
    RECEIVED.append({"event": "rate", "actor": dict(actor), **data})
    if value == "up":
        return {"done": "Thanks for your feedback!"}
    if value == "down" and not step:
        return components_reply(
            SingleSelect("reason", "What went wrong?", REASONS, RATE.with_payload(step="reason"))
        )
    if step == "reason":
        return components_reply(
            Text(f"Reason: {dict(REASONS_TEXT)[data['values'].get('reason', 'other')]}"),
            Textarea("comment", "Anything to add?"),
            Submit("Send feedback", RATE.with_payload(step="comment")),
        )
    return {"done": "Thanks, we will do better."}


REASONS_TEXT = [(o.value, o.text) for o in REASONS]


def _articles(query: str) -> list[tuple[str, str, str]]:
    q = query.lower()
    return [(k, t, b) for k, (t, b) in ARTICLES.items() if not q or q in (t + " " + b).lower()]


def _suggest(
    ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]
) -> dict[str, Any]:
    RECEIVED.append({"event": "suggest", **data})
    words = [w for w in data["text"].lower().split() if len(w) > 2]
    hits = [a for w in words for a in _articles(w)]
    unique = list({k: (k, t, b) for k, t, b in hits}.values())
    return {"results": [{"title": t, "subtitle": b[:40], "insert": t} for _, t, b in unique]}


def _help(ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]) -> dict[str, Any]:
    payload = data.get("payload", {})
    search = Input("q", "Search articles", placeholder="e.g. refund")
    if payload.get("article") in ARTICLES:
        title, body = ARTICLES[payload["article"]]
        return components_reply(
            Text(title, style="heading"), Text(body), Button("Back to articles", HELP)
        )
    query = data.get("values", {}).get("q", "") if payload.get("view") == "search" else ""
    found = _articles(query)
    items = tuple(ListItem(t, b[:30], HELP.with_payload(article=k)) for k, t, b in found)
    return components_reply(
        search,
        Submit("Search", HELP.with_payload(view="search")),
        ListView(items, label="Articles") if items else Text("No article matches.", "muted"),
    )


class Events(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [
            SocketEvent("helpdesk.rate", ActionSubmit, _rate, ("/widget",)),
            SocketEvent("helpdesk.suggest", AssistQuery, _suggest, ("/widget",)),
            SocketEvent("helpdesk.help", ActionSubmit, _help, ("/widget",)),
            SocketEvent("helpdesk.survey", ActionSubmit, _survey, ("/widget",)),
        ]


def _survey(
    ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]
) -> dict[str, Any]:
    RECEIVED.append({"event": "survey", **data})
    return {"done": "Thank you!"}


class Widget(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        up = Button("👍", RATE.with_payload(value="up"), label="Helpful")
        down = Button("👎", RATE.with_payload(value="down"), label="Not helpful")
        return [
            MessageActions(
                event="helpdesk.rate",
                when=MessageRule(author_kinds=("bot",)),
                components=(up, down),
                label="Was this answer helpful?",
            ),
            ComposerAssist(event="helpdesk.suggest", label="Suggested articles", min_chars=3),
            PanelTab(key="help", title="Help", event="helpdesk.help"),
            Prompts(event="helpdesk.prompt"),
            ProactiveRules(
                rules=(
                    Rule(id="pricing", message="Questions about pricing?", custom_event="pricing"),
                    Rule(id="prices", message="Comparing plans? Ask us.", url="/pricing*"),
                )
            ),
            Preferences(
                title="Display",
                preferences=(
                    Preference(
                        "size",
                        "Text size",
                        (
                            ("normal", "Normal", {"--cw-font-scale": "1"}),
                            ("large", "Large", {"--cw-font-scale": "1.25"}),
                            ("larger", "Larger", {"--cw-font-scale": "1.5"}),
                        ),
                    ),
                    Preference(
                        "motion",
                        "Animations",
                        (("on", "On", {"--cw-motion": "1"}), ("off", "Off", {"--cw-motion": "0"})),
                    ),
                ),
            ),
        ]


class Routes(RoutesProvider):
    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_helpdesk", __name__)

        @bp.get("/received")
        @require_role("agent")
        def received() -> object:
            return jsonify(RECEIVED)

        @bp.post("/prompt")
        @require_role("agent")
        def prompt() -> object:
            ctx = current_context()
            body = request.get_json(force=True)
            ctx.emit_to_visitor(
                int(body["visitor_id"]),
                "helpdesk.prompt",
                prompt_payload(
                    body.get("id", "survey-1"),
                    "How did we do?",
                    Text("Rate this conversation."),
                    Button("Great", Action("helpdesk.survey", {"value": "great"})),
                    Button("Poor", Action("helpdesk.survey", {"value": "poor"})),
                ),
            )
            return jsonify({"ok": True})

        return bp

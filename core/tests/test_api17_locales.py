"""Plugin API 1.7 and locales (issue 13): a payload a plugin emits itself (``ctx.emit``, a
prompt) reaches each visitor with its ``Localized`` texts in their own locale, agents get the
defaults; and a widget's ``setLocale`` (``widget.features`` with ``locale``) switches the
visitor's locale at once: the features it answers, later emits and ``VisitorRef.locale``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chinwag_plugin_api import (
    ActionSubmit,
    Feature,
    Localized,
    PanelTab,
    PluginContext,
    PluginInfo,
    SocketEvent,
    SocketHandlers,
    Text,
    WidgetFeatures,
    prompt_payload,
)
from flask import Flask

from chinwag.testing import AgentClient, VisitorClient, plugin_context, register_plugin

NAME = "chinwag-askl10n"
EVENT = "askl10n.prompt"
TITLE = Localized("Quick question", fr="Petite question", de="Kurze Frage")
BODY = Localized("Did we help?", {"fr": "Vous avons-nous aidé ?", "de-AT": "Hamma g'holfen?"})


OPEN = "askl10n.open"


def _open(ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]) -> Any:
    return {}


class Events(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [SocketEvent(OPEN, ActionSubmit, _open, ("/widget",))]


class Declared(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [PanelTab(key="help", title=Localized("Help", fr="Aide"), event=OPEN)]


def _register(app: Flask) -> None:
    register_plugin(app, NAME, Events, Declared, info=PluginInfo("Ask l10n"))


def _prompt() -> dict[str, Any]:
    return prompt_payload("ask-1", TITLE, Text(BODY))


def _tabs(features: dict[str, Any]) -> list[str]:
    """The titles of this plugin's panel tabs (the core adds places of its own)."""
    return [f["title"] for f in features["features"] if f.get("event") == OPEN]


def _texts(event: dict[str, Any]) -> tuple[str, str]:
    payload = event["payload"]
    return payload["title"], payload["components"][0]["text"]


def test_a_prompt_reaches_each_visitor_in_their_locale(
    chinwag_app: Flask,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    _register(chinwag_app)
    french = visitor_client(locale="fr-CA")
    austrian = visitor_client(locale="de-AT")
    other = visitor_client()  # the site's locale: en, no translation asked
    agent = agent_client()
    for visitor in (french, austrian, other):
        assert visitor.send("hello")["ok"]
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, NAME)
        for visitor in (french, austrian):
            ctx.emit(visitor.conversation_id, EVENT, _prompt())
        ctx.emit_to_visitor(other.visitor_id, EVENT, _prompt())

    assert _texts(french.wait_for_prompt(EVENT)) == ("Petite question", "Vous avons-nous aidé ?")
    # the exact tag first (de-AT), then the language (de)
    assert _texts(austrian.wait_for_prompt(EVENT)) == ("Kurze Frage", "Hamma g'holfen?")
    assert _texts(other.wait_for_prompt(EVENT)) == ("Quick question", "Did we help?")
    # agents read each text's default, whichever visitor it went to
    for _ in range(3):
        assert _texts(agent.wait_for_prompt(EVENT)) == ("Quick question", "Did we help?")


def test_set_locale_switches_the_visitors_texts_at_once(
    chinwag_app: Flask, visitor_client: Callable[..., VisitorClient]
) -> None:
    _register(chinwag_app)
    visitor = visitor_client(locale="en")
    assert _tabs(visitor.session["features"]) == ["Help"]
    assert visitor.send("hello")["ok"]

    # Chinwag('setLocale', 'fr') in the page: the widget asks for its features in French
    ack = visitor.emit("widget.features", {"locale": "fr"})
    assert ack["ok"], ack
    assert _tabs(ack["features"]) == ["Aide"]
    # the server keeps it: a re-read without a locale (a reconnect) and later emits are French
    ack = visitor.emit("widget.features", {})
    assert _tabs(ack["features"]) == ["Aide"]
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, NAME)
        ctx.emit(visitor.conversation_id, EVENT, _prompt())
        ref = ctx.visitor(visitor.visitor_id)
    assert _texts(visitor.wait_for_prompt(EVENT))[0] == "Petite question"
    assert ref is not None and ref.locale == "fr"

    # and back
    ack = visitor.emit("widget.features", {"locale": "en-GB"})
    assert _tabs(ack["features"]) == ["Help"]


def test_a_bad_locale_is_refused_and_changes_nothing(
    chinwag_app: Flask, visitor_client: Callable[..., VisitorClient]
) -> None:
    _register(chinwag_app)
    visitor = visitor_client(locale="fr")
    for bad in ("x" * 36, "", 7):
        ack = visitor.emit("widget.features", {"locale": bad})
        assert not ack["ok"] and ack["error"]["code"] == "validation_error", ack
        assert ack["error"]["message"]
    ack = visitor.emit("widget.features", {})
    assert _tabs(ack["features"]) == ["Aide"]

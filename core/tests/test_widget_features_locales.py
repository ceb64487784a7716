"""Per-locale texts in widget feature declarations (``Localized``), resolved by the core for the
visitor's locale in the chat page's boot data, the session, ``widget.features`` and the
acknowledgements of the plugin's ``/widget`` events: the widget only ever receives plain text."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import (
    Action,
    ActionSubmit,
    Button,
    Feature,
    Localized,
    MessageActions,
    PanelTab,
    PluginContext,
    PluginInfo,
    ProactiveRules,
    Rule,
    SocketEvent,
    SocketHandlers,
    Text,
    WidgetFeatures,
    components_reply,
)

from chinwag.testing import register_plugin

NAME = "chinwag-helpi18n"
HELPFUL = Localized("Helpful", {"fr": "Utile", "pt-BR": "Útil"})


def _rate(ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]) -> Any:
    return components_reply(Text(Localized("Thanks!", fr="Merci !")))


class Events(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [SocketEvent("helpi18n.rate", ActionSubmit, _rate, ("/widget",))]


class Declared(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [
            MessageActions(
                event="helpi18n.rate",
                components=(Button("👍", Action("helpi18n.rate"), label=HELPFUL),),
                label=Localized("Rate this answer", fr="Notez cette réponse"),
            ),
            PanelTab(key="help", title=Localized("Help", fr="Aide"), event="helpi18n.rate"),
            ProactiveRules(
                rules=(
                    Rule(
                        id="hi",
                        message=Localized("Need help?", fr="Besoin d'aide ?"),
                        chips=(Localized("Pricing", fr="Tarifs"),),
                    ),
                )
            ),
        ]


def _register(app: Any) -> None:
    register_plugin(app, NAME, Events, Declared, info=PluginInfo("Help i18n"))


def _texts(features: dict[str, Any]) -> dict[str, Any]:
    by_type = {f["type"]: f for f in features["features"]}
    actions, tab, rule = by_type["message_actions"], by_type["panel_tab"], by_type["proactive"]
    return {
        "label": actions["label"],
        "button": actions["components"][0]["label"],
        "tab": tab["title"],
        "greeting": rule["rules"][0]["message"],
        "chip": rule["rules"][0]["chips"][0],
    }


FRENCH = {
    "label": "Notez cette réponse",
    "button": "Utile",
    "tab": "Aide",
    "greeting": "Besoin d'aide ?",
    "chip": "Tarifs",
}
DEFAULT = {
    "label": "Rate this answer",
    "button": "Helpful",
    "tab": "Help",
    "greeting": "Need help?",
    "chip": "Pricing",
}


def test_the_session_carries_the_texts_of_the_visitors_locale(
    chinwag_app: Any, visitor_session: Any
) -> None:
    _register(chinwag_app)
    assert _texts(visitor_session(locale="fr-CA")["features"]) == FRENCH
    assert _texts(visitor_session(locale="pt-BR")["features"])["button"] == "Útil"
    assert _texts(visitor_session(locale="ja")["features"]) == DEFAULT  # no translation
    assert _texts(visitor_session()["features"]) == DEFAULT  # the site's locale, en


def test_the_chat_pages_boot_data_uses_its_locale(
    chinwag_app: Any, chinwag_client: Any, demo_site: dict[str, Any]
) -> None:
    _register(chinwag_app)
    url = f"/widget/frame/{demo_site['site_key']}?host=https://shop.example"

    def boot(query: str = "", **headers: str) -> dict[str, Any]:
        html = chinwag_client.get(url + query, headers=headers).get_data(as_text=True)
        found = re.search(r'<script type="application/json" id="chinwag-boot">(.*?)</script>', html)
        assert found, html[:500]
        return json.loads(found.group(1))  # type: ignore[no-any-return]

    assert _texts(boot("&locale=fr")["features"]) == FRENCH
    assert _texts(boot()["features"]) == DEFAULT
    # "auto": the browser's language
    assert _texts(boot("&locale=auto", **{"Accept-Language": "fr-FR,fr;q=0.9"})["features"]) == (
        FRENCH
    )


def test_the_socket_answers_in_the_locale_of_the_visitors_session(
    chinwag_app: Any, demo_site: dict[str, Any], visitor_session: Any, socket_client: Any
) -> None:
    _register(chinwag_app)
    session = visitor_session(locale="fr")
    auth = {"site_key": demo_site["site_key"], "visitor_token": session["visitor_token"]}
    sock = socket_client("/widget", auth)
    sock.get_received("/widget")
    ack = sock.emit("widget.features", {}, namespace="/widget", callback=True)
    assert ack["ok"] and _texts(ack["features"]) == FRENCH
    # an action's answer (the components that replace the ones clicked) is in French too
    ack = sock.emit("helpi18n.rate", {"payload": {}}, namespace="/widget", callback=True)
    assert ack == {"ok": True, "components": [{"type": "text", "text": "Merci !", "style": "body"}]}


def test_content_checks_read_every_translation_of_a_proactive_message(chinwag_app: Any) -> None:
    from chinwag.widget_features import proactive_texts

    _register(chinwag_app)
    site_id = 1
    with chinwag_app.app_context():
        texts = [t for _site, _rule, t in proactive_texts(_host(chinwag_app), NAME, [site_id])]
    assert texts == ["Need help?", "Besoin d'aide ?", "Pricing", "Tarifs"]


def _host(app: Any) -> Any:
    return app.extensions["chinwag"].plugins

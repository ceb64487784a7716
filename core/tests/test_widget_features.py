"""Widget features declared by plugins (chinwag_plugin_api.widget): checked, delivered per site
with the session and on ``widget.features``, refused when malformed without taking chat down, and
announced to open widgets when an admin turns a plugin off."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from chinwag_plugin_api import (
    Action,
    ActionSubmit,
    AssistQuery,
    Attachments,
    Button,
    ComposerAssist,
    Feature,
    HostPageEvents,
    MessageActions,
    PluginContext,
    PluginInfo,
    Preference,
    Preferences,
    ProactiveRules,
    Rule,
    SocketEvent,
    SocketHandlers,
    WidgetFeatures,
)

NAME = "knowledgebase-xyz"


def _answer(
    ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]
) -> dict[str, Any]:
    return {"results": []}


class Events(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [
            SocketEvent("kbxyz.ask", AssistQuery, _answer, ("/widget",)),
            SocketEvent("kbxyz.rate", ActionSubmit, _answer, ("/widget",)),
        ]


class Good(WidgetFeatures):
    sites: ClassVar[set[int]] = set()

    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        self.sites.add(site_id)
        return [
            ComposerAssist(event="kbxyz.ask", label="Articles"),
            MessageActions(
                event="kbxyz.rate",
                components=(Button("Helpful", Action("kbxyz.rate", {"value": "up"})),),
            ),
            ProactiveRules(rules=(Rule(id="r", message="Hi", url="/shop*"),)),
        ]


class ForeignEvent(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [ComposerAssist(event="message.send", label="Sneaky")]


class BadCss(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        css = {"--cw-brand": "red"}
        return [Preferences(title="P", preferences=(Preference("x", "X", (("a", "A", css),)),))]


class Escapes(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [Attachments(upload_path="../../auth/login")]


class ForeignRuleEvent(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [ProactiveRules(rules=(Rule(id="r", message="Hi", chips=("a",), event="x.y"),))]


class TooManyChips(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [ProactiveRules(rules=(Rule(id="r", message="Hi", chips=("q",) * 7),))]


class BadPrefix(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [HostPageEvents(prefix="x'); alert(1); ('")]


class Raises(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        raise RuntimeError("declaration bug")


def _host(app: Any) -> Any:
    return app.extensions["chinwag"].plugins


def test_features_reach_the_session_without_naming_their_plugin(
    chinwag_app: Any, demo_site: dict[str, Any], visitor_session: Any
) -> None:
    _host(chinwag_app).register_test_plugin(
        NAME,
        PluginInfo("KB"),
        {SocketHandlers.namespace: [Events], WidgetFeatures.namespace: [Good]},
    )
    features = visitor_session()["features"]
    # (the core's own Privacy tab, "consent", is on every site, last)
    declared = [f for f in features["features"] if f["type"] != "consent"]
    assert [f["type"] for f in declared][-3:] == ["composer_assist", "message_actions", "proactive"]
    assert Good.sites == {demo_site["id"]}
    assert NAME not in json.dumps(features) and "knowledgebase" not in json.dumps(features)
    assist = declared[-3]
    assert assist["event"] == "kbxyz.ask" and assist["min_chars"] == 3
    assert len(assist["id"]) == 12
    # ids are stable, so an open widget keeps a feature's state across re-reads
    again = visitor_session()["features"]["features"]
    assert [f for f in again if f["type"] != "consent"][-3]["id"] == assist["id"]
    rule = declared[-1]["rules"][0]
    assert rule["url"] == "^[^:]+://[^/]+\\/shop[^?#]*(?:[?#].*)?$"  # compiled like show_on


def test_malformed_or_failing_declarations_lose_their_features_not_the_chat(
    chinwag_app: Any, visitor_session: Any
) -> None:
    host = _host(chinwag_app)
    host.register_test_plugin(
        NAME,
        PluginInfo("KB"),
        {SocketHandlers.namespace: [Events], WidgetFeatures.namespace: [Good]},
    )
    records = [
        host.register_test_plugin(n, PluginInfo(n), {WidgetFeatures.namespace: [cls]})
        for n, cls in (
            ("foreign", ForeignEvent),
            ("badcss", BadCss),
            ("raises", Raises),
            ("escapes", Escapes),
            ("rule-event", ForeignRuleEvent),
            ("many-chips", TooManyChips),
            ("bad-prefix", BadPrefix),
        )
    ]
    features = visitor_session()["features"]["features"]
    kinds = [f["type"] for f in features if f["type"] != "consent"]  # the core's own, last
    assert kinds[-3:] == ["composer_assist", "message_actions", "proactive"]
    errors = [r.stats.last_error or "" for r in records]
    assert "'message.send' is not one of this plugin's /widget socket events" in errors[0]
    assert "may not set ['--cw-brand']" in errors[1]
    assert "declaration bug" in errors[2]
    assert "upload_path '../../auth/login' must be a path under its routes" in errors[3]
    assert "'x.y' is not one of this plugin's /widget socket events" in errors[4]
    assert "chips are at most 6 texts of 1-200 characters" in errors[5]
    assert "1-20 letters, digits and _" in errors[6]
    assert "host_events" not in kinds


class Chips(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [
            ProactiveRules(
                rules=(
                    Rule(id="c", message="Ask:", chips=("Price?", "Trial?"), event="kbxyz.rate"),
                    Rule(id="plain", message="Hi"),
                )
            )
        ]


def test_chips_are_declared_on_a_rule_with_the_event_told_of_shows_and_picks(
    chinwag_app: Any, visitor_session: Any
) -> None:
    _host(chinwag_app).register_test_plugin(
        NAME,
        PluginInfo("KB"),
        {SocketHandlers.namespace: [Events], WidgetFeatures.namespace: [Chips]},
    )
    features = visitor_session()["features"]["features"]
    rules = [r for f in features if f["type"] == "proactive" for r in f["rules"]]
    assert rules[0]["chips"] == ["Price?", "Trial?"] and rules[0]["event"] == "kbxyz.rate"
    assert "chips" not in rules[1] and "event" not in rules[1]  # nothing sent for a plain rule


def test_widget_features_event_and_toggle_announcement(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_session: Any,
    socket_client: Any,
) -> None:
    _host(chinwag_app).register_test_plugin(
        NAME,
        PluginInfo("KB"),
        {SocketHandlers.namespace: [Events], WidgetFeatures.namespace: [Good]},
    )
    s = visitor_session()
    sock = socket_client(
        "/widget", {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    )
    sock.get_received("/widget")
    ack = sock.emit("widget.features", {}, namespace="/widget", callback=True)
    assert ack["ok"] and ack["features"] == s["features"]
    bad = sock.emit(
        "widget.features", {"revision": "x", "extra": 1}, namespace="/widget", callback=True
    )
    assert not bad["ok"] and bad["error"]["code"] == "validation_error"

    res = chinwag_client.patch(
        f"/api/v1/plugins/{NAME}",
        json={"enabled": False},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200
    told = [p for p in sock.get_received("/widget") if p["name"] == "widget.features_changed"]
    assert len(told) == 1 and told[0]["args"][0]["revision"] > s["features"]["revision"]
    ack = sock.emit("widget.features", told[0]["args"][0], namespace="/widget", callback=True)
    assert ack["features"]["revision"] == told[0]["args"][0]["revision"]
    assert "composer_assist" not in [f["type"] for f in ack["features"]["features"]]

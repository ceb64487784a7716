"""Proactive messages are checked where they are written: saving a plugin's settings answers
the content checks' advice on every proactive message and chip the plugin now shows (once per
text, with its sites), never blocking the save; nothing to say, or no settings saved: none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import (
    Advice,
    ContentCheck,
    Feature,
    PluginContext,
    PluginInfo,
    ProactiveRules,
    Rule,
    WidgetFeatures,
)
from marshmallow import Schema, fields

from chinwag.testing import create_site, register_plugin


class Settings(Schema):
    intro = fields.String(load_default="Hello")


class Greeter(WidgetFeatures):
    """One proactive rule on every site, its message from the settings."""

    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        message = str(ctx.settings.get("intro", "Hello"))
        return [ProactiveRules(rules=(Rule(id="hello", message=message, url="/pricing"),))]


class Shouty(ContentCheck):
    def check(
        self,
        ctx: PluginContext,
        site_id: int | None,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
    ) -> list[Advice]:
        if "!!!" not in text:
            return []
        return [Advice("shouting", "One exclamation mark is enough.", "warning")]


def test_saving_settings_answers_advice_on_proactive_messages(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    h = {"Authorization": f"Bearer {admin_token}"}
    first = create_site(chinwag_app, "One")
    second = create_site(chinwag_app, "Two")
    register_plugin(
        chinwag_app, "greeter", Greeter, info=PluginInfo("Greeter", settings_schema=Settings)
    )
    register_plugin(chinwag_app, "shouty", Shouty)
    res = chinwag_client.patch(
        "/api/v1/plugins/greeter", json={"settings": {"intro": "Sale!!! Ask us"}}, headers=h
    )
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["settings"]["intro"] == "Sale!!! Ask us"  # saved all the same
    (item,) = res.get_json()["proactive_advice"]
    assert item["text"] == "Sale!!! Ask us" and item["rule_id"] == "hello"
    assert {first["id"], second["id"]} <= set(item["site_ids"])
    assert [a for a in item["advice"] if a["plugin"] == "shouty"] == [
        {
            "plugin": "shouty",
            "code": "shouting",
            "message": "One exclamation mark is enough.",
            "severity": "warning",
        }
    ]
    # fixed: nothing to say
    res = chinwag_client.patch(
        "/api/v1/plugins/greeter", json={"settings": {"intro": "Questions? Ask us."}}, headers=h
    )
    assert [i for i in res.get_json()["proactive_advice"] if "!!!" in i["text"]] == []
    # a toggle saves no settings: no advice computed
    res = chinwag_client.patch("/api/v1/plugins/shouty", json={"enabled": True}, headers=h)
    assert res.status_code == 200 and "proactive_advice" not in res.get_json()

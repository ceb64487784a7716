"""Plugin API 1.3 context services: pseudonym, plugin_enabled, count, agents_online and the
visitor's page (issue 13), through chinwag.testing as a plugin author would test them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chinwag_plugin_api import (
    ConversationView,
    MessageView,
    PluginContext,
    PluginInfo,
    Reply,
    Responder,
)

from chinwag.plugins import presence
from chinwag.testing import (
    AgentClient,
    VisitorClient,
    create_site,
    dispose,
    enable_plugin,
    make_app,
    plugin_context,
    register_plugin,
)


# docs/writing-plugins.md quotes this responder ("Plugin API 1.3")
class Concierge(Responder):
    """Says where the visitor is, and hands off when an agent of the site is online."""

    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        ctx.count("answers")
        visitor = conversation.visitor
        agents = ctx.agents_online(conversation.site_id)
        where = f"You are on {visitor.page_url} (from {visitor.referrer}, {visitor.locale})."
        if agents:
            ctx.count("handoffs")
            return Reply(f"{where} {agents[0].name} will take it from here.", handoff=True)
        return Reply(f"{where} Nobody is online; I will help.")


def _concierge(app: Any) -> None:
    register_plugin(app, "chinwag-concierge", Concierge, info=PluginInfo("Concierge"))


def test_the_bot_sees_the_visitors_page_and_counts_its_answers(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    _concierge(chinwag_app)
    visitor = visitor_client(
        page_url="https://shop.example/pricing",
        referrer="https://search.example/?q=chat",
        locale="de-CH",
    )
    visitor.send("hello")
    reply = visitor.wait_for_reply()
    assert reply["text"] == (
        "You are on https://shop.example/pricing (from https://search.example/?q=chat, de-CH)."
        " Nobody is online; I will help."
    )
    visitor.send("anyone?")
    visitor.wait_for_reply()

    res = chinwag_client.get(
        "/api/v1/plugins/chinwag-concierge", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert res.status_code == 200
    assert res.get_json()["health"]["counters"] == {"answers": 2}
    with chinwag_app.app_context():
        ref = plugin_context(chinwag_app, "chinwag-concierge").visitor(visitor.visitor_id)
    assert ref is not None and ref.locale == "de-CH"


def test_counters_are_shared_by_every_process(tmp_path: Any, chinwag_app: Any) -> None:
    _concierge(chinwag_app)
    with chinwag_app.app_context():
        plugin_context(chinwag_app, "chinwag-concierge").count("synced", 3)
    other = make_app(tmp_path, chinwag_app.config["CHINWAG_DATABASE_URL"])  # another process
    try:
        _concierge(other)
        with other.app_context():
            plugin_context(other, "chinwag-concierge").count("synced", -1)
            rows = other.extensions["chinwag"].plugins.report("chinwag-concierge")
        assert rows[0]["health"]["counters"] == {"synced": 2}
    finally:
        dispose(other)
    with chinwag_app.app_context():
        rows = chinwag_app.extensions["chinwag"].plugins.report("chinwag-concierge")
    assert rows[0]["health"]["counters"] == {"synced": 2}


@pytest.mark.parametrize("name, amount", [("", 1), ("has space", 1), ("x" * 65, 1), ("ok", 1.5)])
def test_a_bad_counter_is_refused(chinwag_app: Any, name: str, amount: Any) -> None:
    _concierge(chinwag_app)
    with chinwag_app.app_context(), pytest.raises(ValueError):
        plugin_context(chinwag_app, "chinwag-concierge").count(name, amount)


def test_a_plugin_has_at_most_fifty_counters(chinwag_app: Any) -> None:
    _concierge(chinwag_app)
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-concierge")
        for i in range(50):
            ctx.count(f"c{i}")
        ctx.count("c0")  # an existing one still counts
        with pytest.raises(ValueError, match="50 counters"):
            ctx.count("c50")
        rows = chinwag_app.extensions["chinwag"].plugins.report("chinwag-concierge")
    assert len(rows[0]["health"]["counters"]) == 50 and rows[0]["health"]["counters"]["c0"] == 2


def test_the_pseudonym_is_what_analytics_sinks_get(
    chinwag_app: Any,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., VisitorClient],
    analytics: Any,
) -> None:
    visitor = visitor_client()
    visitor.send("hi")
    (sent,) = analytics.of("message.sent")
    other = create_site(chinwag_app, "Other", ("https://other.example",))
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "captured-analytics")
        assert ctx.pseudonym(demo_site["id"], visitor.visitor_id) == sent.distinct_id
        assert ctx.pseudonym(other["id"], visitor.visitor_id) != sent.distinct_id


def test_plugin_enabled_follows_the_admins_toggle(
    chinwag_app: Any, demo_site: dict[str, Any]
) -> None:
    _concierge(chinwag_app)
    register_plugin(chinwag_app, "chinwag-asker", info=PluginInfo("Asker"))
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-asker")
        assert ctx.plugin_enabled("chinwag-concierge")
        assert ctx.plugin_enabled("chinwag-concierge", site_id=demo_site["id"])
        assert not ctx.plugin_enabled("chinwag-concierge", site_id=demo_site["id"] + 1000)
        assert not ctx.plugin_enabled("chinwag-not-installed")
    enable_plugin(chinwag_app, "chinwag-concierge", False)
    with chinwag_app.app_context():
        assert not plugin_context(chinwag_app, "chinwag-asker").plugin_enabled("chinwag-concierge")


def test_agents_online_hands_off_to_whoever_may_see_the_site(
    tmp_path: Any,
    chinwag_app: Any,
    demo_site: dict[str, Any],
    agent_client: Callable[..., AgentClient],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    _concierge(chinwag_app)
    agent = agent_client("agent")
    visitor = visitor_client(page_url="https://shop.example/", locale="en")
    visitor.send("help")
    reply = visitor.wait_for_reply()
    assert reply["text"].endswith(" will take it from here.")
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-concierge")
        online = ctx.agents_online(demo_site["id"])
        assert len(online) == 1 and online[0].name.startswith("agent-")  # no e-mail address
        assert "@" not in online[0].name
        assert ctx.agents_online(demo_site["id"] + 1000) == []

    # another process sees the agent once this one has published its sockets
    other = make_app(tmp_path, chinwag_app.config["CHINWAG_DATABASE_URL"])
    try:
        _concierge(other)
        with other.app_context():
            assert plugin_context(other, "chinwag-concierge").agents_online(demo_site["id"]) == []
        presence.publish(chinwag_app)
        with other.app_context():
            seen = plugin_context(other, "chinwag-concierge").agents_online(demo_site["id"])
        assert [a.id for a in seen] == [a.id for a in online]
    finally:
        dispose(other)

    agent.close()
    with chinwag_app.app_context():
        assert plugin_context(chinwag_app, "chinwag-concierge").agents_online(demo_site["id"]) == []


def test_an_agent_scoped_to_another_site_is_not_online_for_this_one(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    agent_client: Callable[..., AgentClient],
) -> None:
    _concierge(chinwag_app)
    agent_client("agent")
    other = create_site(chinwag_app, "Other", ("https://other.example",))
    with chinwag_app.app_context():
        (agent,) = plugin_context(chinwag_app, "chinwag-concierge").agents_online(demo_site["id"])
    res = chinwag_client.put(
        f"/api/v1/users/{agent.id}/sites",
        json={"site_ids": [other["id"]]},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200, res.get_json()
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-concierge")
        assert ctx.agents_online(demo_site["id"]) == []
        assert ctx.agents_online(other["id"]) == [agent]

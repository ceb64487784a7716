"""chinwag-a11y through the real app: the designer's checks, the save policy, advice on what
agents send, and the visitor preferences, each gone when the plugin is off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chinwag.testing import AgentClient, VisitorClient, configure_plugin, enable_plugin

CHECK = "/api/v1/widget-settings/check"
PLUGIN = "chinwag-a11y"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_designer_reports_findings_with_criterion_measure_and_a_passing_colour(
    chinwag_client: Any, admin_token: str
) -> None:
    h = bearer(admin_token)
    answer = chinwag_client.post(
        CHECK, json={"brand_color": "#ffffff", "text_color": "#777777"}, headers=h
    ).get_json()
    text = [
        f for f in answer["findings"] if f["setting"] == "text_color" and f["criterion"] == "1.4.3"
    ]
    assert len(text) == 1
    (finding,) = text
    assert finding["plugin"] == PLUGIN and finding["severity"] == "error"
    assert (finding["measured"], finding["threshold"]) == ("4.48:1", "4.5:1")
    assert finding["suggested_value"] == "#767676"
    assert "#777777" in finding["message"] and answer["warnings"]
    # the launcher (white) cannot be seen on a white page: non-text contrast, a warning
    launcher = [f for f in answer["findings"] if f["subject"] == "the launcher on white pages"]
    assert launcher[0]["criterion"] == "1.4.11" and launcher[0]["measured"] == "1.00:1"
    # the suggestion passes when applied
    fixed = chinwag_client.post(
        CHECK, json={"brand_color": "#ffffff", "text_color": "#767676"}, headers=h
    ).get_json()
    assert not [f for f in fixed["findings"] if f["criterion"] == "1.4.3"]
    # the default theme has no error
    default = chinwag_client.post(CHECK, json={}, headers=h).get_json()
    assert [f for f in default["findings"] if f["severity"] == "error"] == []
    assert default["warnings"] == []


def test_wording_of_the_greeting_is_checked(chinwag_client: Any, admin_token: str) -> None:
    answer = chinwag_client.post(
        CHECK,
        json={"greeting": "HELLO THERE! [Click here](https://shop.example/faq) FOR ANSWERS"},
        headers=bearer(admin_token),
    ).get_json()
    codes = {f["measured"] for f in answer["findings"] if f["setting"] == "greeting"}
    assert codes == {"vague_link", "all_caps"}


def test_switched_off_the_designer_shows_no_checks_and_saves_go_through(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    h = bearer(admin_token)
    configure_plugin(chinwag_app, PLUGIN, theme_policy="block")
    failing = {"widget_settings": {"brand_color": "#ffff00", "text_color": "#ffffff"}}
    site = f"/api/v1/sites/{demo_site['id']}"
    refused = chinwag_client.patch(site, json=failing, headers=h)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "theme_refused" and "#ffffff on #ffff00" in error["message"]
    assert chinwag_client.get(site, headers=h).get_json()["widget_settings"] == {}
    # a passing theme saves under the same policy
    passing = {"widget_settings": {"brand_color": "#1a4fb5", "text_color": "#ffffff"}}
    assert chinwag_client.patch(site, json=passing, headers=h).status_code == 200

    enable_plugin(chinwag_app, PLUGIN, False)
    answer = chinwag_client.post(CHECK, json=failing["widget_settings"], headers=h).get_json()
    assert answer["findings"] == [] and answer["warnings"] == []
    assert answer["text_on_brand"] == "#000000"  # the widget's own fallback stays
    assert chinwag_client.patch(site, json=failing, headers=h).status_code == 200


def test_site_override_blocks_only_that_site(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    configure_plugin(chinwag_app, PLUGIN, sites={str(demo_site["id"]): {"theme_policy": "block"}})
    failing = {"widget_settings": {"brand_color": "#ffff00", "text_color": "#ffffff"}}
    h = bearer(admin_token)
    assert (
        chinwag_client.patch(
            f"/api/v1/sites/{demo_site['id']}", json=failing, headers=h
        ).status_code
        == 422
    )
    other = chinwag_client.post("/api/v1/sites", json={"name": "Other"}, headers=h).get_json()
    assert (
        chinwag_client.patch(f"/api/v1/sites/{other['id']}", json=failing, headers=h).status_code
        == 200
    )


IMAGE = {"type": "image", "url": "https://cdn.shop.example/size-chart.png"}


def test_agent_image_without_alt_is_advised_then_required(
    chinwag_app: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    visitor = visitor_client()
    conversation = visitor.send("what size?")["message"]["conversation_id"]
    agent = agent_client()
    ack = agent.send("See https://shop.example/sizes", conversation_id=conversation, blocks=[IMAGE])
    assert ack["ok"], ack
    advice = ack["message"]["annotations"]["a11y"]
    assert {a["code"] for a in advice} == {"missing_alt", "url_as_link_text"}
    # the visitor got it at once: advice never holds a message back
    delivered = visitor.wait_for(
        "message.new", lambda d: d["message"]["id"] == ack["message"]["id"]
    )
    assert delivered["message"]["blocks"][0]["url"] == IMAGE["url"]
    described = agent.send(
        "Our [size chart](https://shop.example/sizes)",
        conversation_id=conversation,
        blocks=[{**IMAGE, "alt": "Size chart: S to XL by chest width"}],
    )
    assert described["ok"] and "a11y" not in described["message"]["annotations"]

    configure_plugin(chinwag_app, PLUGIN, require_alt_text=True)
    refused = agent.send("", conversation_id=conversation, blocks=[IMAGE])
    assert not refused["ok"] and refused["error"]["code"] == "alt_text_required"
    assert "alt text" in refused["error"]["message"]


def test_visitor_preferences_are_declared_and_leave_when_switched_off(
    chinwag_app: Any, visitor_client: Callable[..., VisitorClient]
) -> None:
    # off until the admin offers them: installing the checks changes no widget
    declared = visitor_client().session["features"]["features"]
    assert not [f for f in declared if f["type"] == "preferences"]
    configure_plugin(chinwag_app, PLUGIN, visitor_preferences=True)
    declared = visitor_client().session["features"]["features"]
    (prefs,) = [f for f in declared if f["type"] == "preferences"]
    by_id = {p["id"]: p for p in prefs["preferences"]}
    assert set(by_id) == {"text_size", "contrast", "motion", "reading"}
    assert {"--cw-motion": "0"} in [o["css"] for o in by_id["motion"]["options"]]
    assert {"--cw-contrast": "more"} in [o["css"] for o in by_id["contrast"]["options"]]
    enable_plugin(chinwag_app, PLUGIN, False)
    declared = visitor_client().session["features"]["features"]
    assert not [f for f in declared if f["type"] == "preferences"]


def test_content_of_agents_and_bots_messages_is_checked(
    visitor_client: Callable[..., VisitorClient], agent_client: Callable[..., AgentClient]
) -> None:
    """What a canned reply or a bot quoting an article may get wrong, as the visitor meets it."""
    visitor = visitor_client()
    conversation = visitor.send("how do returns work?")["message"]["conversation_id"]
    agent = agent_client()
    article = (
        "# Returns\n### Labels\n![](https://cdn.shop.example/label.png)\n"
        "PRINT THE LABEL AND POST IT TODAY"
    )
    buttons = {"type": "buttons", "buttons": [{"label": "Click here", "value": "label"}]}
    ack = agent.send(article, conversation_id=conversation, blocks=[buttons])
    assert ack["ok"], ack
    codes = {a["code"] for a in ack["message"]["annotations"]["a11y"]}
    assert codes == {"heading_skipped", "missing_alt", "all_caps", "vague_link"}
    # advice only: the visitor has it as sent
    visitor.wait_for("message.new", lambda d: d["message"]["id"] == ack["message"]["id"])
    # a long, dense English reply (the site's locale) is hard to read
    dense = agent.send(
        "Notwithstanding contractual obligations enumerated hereinafter, organisational "
        "responsibilities concerning administrative documentation necessitate comprehensive "
        "institutional consideration regarding implementation, notwithstanding supplementary "
        "jurisdictional interpretations of the aforementioned regulatory classifications.",
        conversation_id=conversation,
    )
    assert [a["code"] for a in dense["message"]["annotations"]["a11y"]] == ["reading_level"]


def test_a_message_that_fails_content_checks_gets_an_inbox_chip(
    chinwag_app: Any,
    chinwag_client: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    visitor = visitor_client()
    conversation = visitor.send("where is my parcel?")["message"]["conversation_id"]
    agent = agent_client()
    failing = agent.send("Track it at https://post.example/track", conversation_id=conversation)
    update = agent.wait_for(
        "annotation.update", lambda d: d["message_id"] == failing["message"]["id"]
    )
    chip = update["annotation"]
    assert (chip["plugin"], chip["tone"]) == (PLUGIN, "warning")
    assert chip["label"] == "Accessibility: address as link text"
    assert "https://post.example/track" in chip["detail"]
    fine = agent.send(
        "Follow it on [the post's tracking page](https://post.example/track)",
        conversation_id=conversation,
    )
    assert fine["ok"] and "a11y" not in fine["message"]["annotations"]
    stored = chinwag_client.get(
        f"/api/v1/inbox/conversations/{conversation}/annotations", headers=agent.headers
    ).get_json()["annotations"]
    assert [(a["message_id"], a["key"]) for a in stored if a["plugin"] == PLUGIN] == [
        (failing["message"]["id"], "a11y")
    ]
    # switched off, the chip leaves the inbox
    enable_plugin(chinwag_app, PLUGIN, False)
    stored = chinwag_client.get(
        f"/api/v1/inbox/conversations/{conversation}/annotations", headers=agent.headers
    ).get_json()["annotations"]
    assert [a for a in stored if a["plugin"] == PLUGIN] == []

"""Every worked example of the plugin reference runs, registered as a plugin author would, using
only ``chinwag.testing`` and ``chinwag_plugin_api``."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from chinwag_plugin_api import PluginInfo
from marshmallow import fields

from chinwag import plugin_examples as ex
from chinwag.extensions import db
from chinwag.models import Message
from chinwag.plugin_docs import examples
from chinwag.testing import (
    AgentClient,
    VisitorClient,
    app_session,
    configure_plugin,
    deliver_analytics,
    plugin_context,
    register_plugin,
    run_jobs,
)


def test_every_example_is_quoted() -> None:
    assert set(examples()) == {
        "chinwag.routes",
        "chinwag.admin_pages",
        "chinwag.socket_events",
        "chinwag.inbound",
        "chinwag.agent_view",
        "chinwag.outbound",
        "chinwag.responders",
        "chinwag.blocks",
        "chinwag.storage",
        "chinwag.analytics",
        "chinwag.jobs",
        "chinwag.privacy",
        "chinwag.widget",
        "chinwag.event_listeners",
        "chinwag.inbox",
        "chinwag.events",
        "chinwag.theme_checks",
        "chinwag.cli",  # run by test_api13_cli.py
        "chinwag.content_checks",
    }


class GreetingSettings(ex.StrictSchema):
    greeting = fields.String(load_default="Hello")


def test_routes_example(
    chinwag_app: Any,
    chinwag_client: Any,
    visitor_client: Callable[..., VisitorClient],
    admin_token: str,
) -> None:
    register_plugin(
        chinwag_app,
        "greeter",
        ex.GreetingRoutes,
        info=PluginInfo("Greeter", settings_schema=GreetingSettings),
    )
    configure_plugin(chinwag_app, "greeter", greeting="Ahoy")
    visitor = visitor_client()
    url = "/api/v1/plugins/greeter/greeting"
    res = chinwag_client.get(url, headers={**visitor.headers, "Origin": "https://shop.example"})
    assert res.status_code == 200, res.get_json()
    assert res.get_json() == {"greeting": "Ahoy", "visitor_id": visitor.visitor_id}
    res = chinwag_client.get(url)
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "unauthorized"
    res = chinwag_client.get(url, headers={"Authorization": f"Bearer {admin_token}"})
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"
    # the route is in the OpenAPI document with its response schema and security
    spec = chinwag_client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"][url]["get"]
    assert op["summary"] == "Greet the calling visitor."
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GreetingOut"
    }
    # ctx.url_for builds the public URL of the plugin's own route
    with chinwag_app.test_request_context():
        ctx = plugin_context(chinwag_app, "greeter")
        assert ctx.url_for("greeting") == f"http://localhost{url}"
        with pytest.raises(ValueError, match="no route"):
            ctx.url_for("nope")


def test_admin_pages_example(chinwag_app: Any, agent_client: Callable[..., AgentClient]) -> None:
    register_plugin(chinwag_app, "open-count", ex.OpenConversationsPage)
    agent = agent_client("agent")
    client = chinwag_app.test_client()
    pages = client.get("/api/v1/admin-pages", headers=agent.headers).get_json()
    assert {"plugin": "open-count", "slug": "open"}.items() <= next(
        p for p in pages if p["plugin"] == "open-count"
    ).items()
    res = client.get("/api/v1/admin-pages/open-count/open", headers=agent.headers)
    assert res.status_code == 200 and "<h2>open-count</h2>" in res.get_json()["html"]


def test_socket_events_example(
    chinwag_app: Any, visitor_client: Callable[..., VisitorClient]
) -> None:
    register_plugin(chinwag_app, "example", ex.VoteEvents)
    visitor = visitor_client()
    assert visitor.emit("example.vote", {"message_id": 1, "up": True}) == {
        "ok": True,
        "counted": True,
    }
    bad = visitor.emit("example.vote", {"message_id": 1, "up": True, "extra": 1})
    assert bad["ok"] is False and bad["error"]["code"] == "validation_error"


class KeySeen(ex.InboundProcessor):
    keys: list[str | None] = []

    def process(self, draft: ex.MessageDraft) -> ex.MessageDraft:  # type: ignore[override]
        self.keys.append(draft.idempotency_key)
        return draft


def test_inbound_example(chinwag_app: Any, visitor_client: Callable[..., VisitorClient]) -> None:
    register_plugin(chinwag_app, "redact", ex.RedactCards)
    register_plugin(chinwag_app, "zz-keys", KeySeen)
    KeySeen.keys.clear()
    ack = visitor_client().send("my card is 4111 1111 1111 1111 thanks", client_msg_id="k-1")
    assert KeySeen.keys == ["k-1"]  # processors get the sender's idempotency key
    assert ack["message"]["text"] == "my card is [card number removed] thanks"
    assert ack["message"]["annotations"] is None  # the note is for agents, not the visitor
    with chinwag_app.app_context():
        assert db.session.get(Message, ack["message"]["id"]).annotations == {"redacted": True}


def test_inbound_example_writes_once_per_stored_message(
    chinwag_app: Any, visitor_client: Callable[..., VisitorClient]
) -> None:
    with chinwag_app.app_context():
        ex.URGENT.metadata.create_all(db.engine)
    register_plugin(chinwag_app, "urgent", ex.NoteUrgent)
    visitor = visitor_client()
    first = visitor.send("URGENT: my order", client_msg_id="u-1")["message"]
    again = visitor.send("URGENT: my order", client_msg_id="u-1")["message"]  # a lost ack
    conv = first["conversation_id"]
    visitor.send("just saying hi", conversation_id=conv, client_msg_id="u-2")
    second = visitor.send("urgent again", conversation_id=conv, client_msg_id="u-3")["message"]
    visitor.send("urgent again", conversation_id=conv, client_msg_id="u-3")
    assert again["id"] == first["id"]
    with chinwag_app.app_context():
        rows = db.session.execute(db.select(ex.URGENT.c.message_id, ex.URGENT.c.conversation_id))
        assert sorted(rows) == [(first["id"], conv), (second["id"], conv)]


def test_agent_view_example(
    chinwag_app: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    register_plugin(chinwag_app, "hide-emails", ex.HideOrderEmails)
    agent = agent_client()
    ack = visitor_client().send("write to ada@example.com")
    assert ack["message"]["text"] == "write to ada@example.com"  # the visitor's own copy
    mid = ack["message"]["id"]
    seen = agent.wait_for("message.new", lambda d: d["message"]["id"] == mid)["message"]
    assert seen["text"] == "write to [e-mail]"
    with chinwag_app.app_context():
        row = db.session.get(Message, mid)
        assert (row.text, row.visitor_text) == ("write to [e-mail]", "write to ada@example.com")


def test_outbound_example_takes_fewer_arguments(
    chinwag_app: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    plugin = register_plugin(chinwag_app, "sign", ex.SignReplies)
    assert plugin.load_errors == []
    conversation = visitor_client().send("hello")["message"]["conversation_id"]
    ack = agent_client().send("On it.", conversation_id=conversation)
    assert ack["message"]["text"] == "On it.\n\n— the support team"


def test_responders_example(chinwag_app: Any, visitor_client: Callable[..., VisitorClient]) -> None:
    register_plugin(chinwag_app, "pong", ex.PongBot)
    visitor = visitor_client()
    visitor.send("ping")
    assert visitor.wait_for_reply()["text"] == "pong"
    visitor.send("something else")
    with pytest.raises(AssertionError, match=r"no message\.new"):
        visitor.wait_for_reply(timeout=0.3)


def test_responders_example_answers_from_a_job(
    chinwag_app: Any, visitor_client: Callable[..., VisitorClient]
) -> None:
    register_plugin(chinwag_app, "slow", ex.SlowBot)
    visitor = visitor_client()
    ack = visitor.send("slow hello")
    with pytest.raises(AssertionError, match=r"no message\.new"):
        visitor.wait_for_reply(timeout=0.3)  # queued, not answered by the hook
    assert run_jobs(chinwag_app) >= 1
    assert visitor.wait_for_reply()["text"] == "HELLO"
    with app_session(chinwag_app):  # the job again: nothing twice
        ex.answer_slowly(
            plugin_context(chinwag_app, "slow"), visitor.conversation_id, ack["message"]["id"]
        )
    with pytest.raises(AssertionError, match=r"no message\.new"):
        visitor.wait_for_reply(timeout=0.3)
    visitor.send("slow person")
    run_jobs(chinwag_app)
    assert visitor.wait_for_reply()["text"] == "PERSON"
    update = visitor.wait_for("conversation.update", lambda d: d["conversation"]["assignee_kind"])
    assert update["conversation"]["assignee_kind"] == "agent"


def test_blocks_example(
    chinwag_app: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    register_plugin(chinwag_app, "coupons", ex.CouponBlock)
    conversation = visitor_client().send("any deals?")["message"]["conversation_id"]
    agent = agent_client()
    ok = agent.send("", conversation_id=conversation, blocks=[{"type": "coupon", "code": "SAVE10"}])
    assert ok["ok"], ok
    bad = agent.send(
        "", conversation_id=conversation, blocks=[{"type": "coupon", "code": "save 10%"}]
    )
    assert bad["ok"] is False and bad["error"]["code"] == "invalid_blocks"


def test_storage_example() -> None:
    driver = ex.MemoryStorage()
    driver.configure({})
    assert driver.save("a/b", io.BytesIO(b"bytes"), "text/plain") == 5
    assert driver.exists("a/b") and driver.open("a/b").read() == b"bytes"
    driver.delete("a/b")
    driver.delete("a/b")  # deleting a missing object is not an error
    with pytest.raises(ex.StorageError):
        driver.open("a/b")


def test_analytics_example(chinwag_app: Any, visitor_client: Callable[..., VisitorClient]) -> None:
    ex.MessageCounter.counts.clear()
    register_plugin(chinwag_app, "counter", ex.MessageCounter)
    visitor = visitor_client()
    visitor.send("one")
    visitor.send("two")
    deliver_analytics(chinwag_app)  # sinks get batches on the job queue
    assert ex.MessageCounter.counts == {"visitor": 2}


def test_event_listeners_example(
    chinwag_app: Any, visitor_client: Callable[..., VisitorClient]
) -> None:
    ex.ConversationLog.seen.clear()
    register_plugin(chinwag_app, "conversation-log", ex.ConversationLog)
    visitor = visitor_client()
    visitor.send("one")
    visitor.send("two")
    assert visitor.emit("conversation.close", {"conversation_id": visitor.conversation_id})["ok"]
    assert ex.ConversationLog.seen == [
        ("conversation.opened", visitor.conversation_id),
        ("conversation.closed", visitor.conversation_id),
    ]


def test_events_example(
    chinwag_app: Any, visitor_client: Callable[..., VisitorClient], analytics: Any
) -> None:
    register_plugin(chinwag_app, "example", ex.AnswerRated)
    visitor = visitor_client()
    ack = visitor.send("hello")
    assert visitor.conversation_id is not None
    with app_session(chinwag_app):
        ctx = plugin_context(chinwag_app, "example")
        ex.record_rating(ctx, visitor.conversation_id, ack["message"]["id"], "up")
    eventually(lambda: bool(analytics.of("example.answer_rated")), "example.answer_rated")
    (rated,) = analytics.of("example.answer_rated")
    assert rated.visitor_id == visitor.visitor_id
    assert dict(rated.properties) == {
        "conversation_id": visitor.conversation_id,
        "message_id": ack["message"]["id"],
        "value": "up",
    }


def test_jobs_example(chinwag_app: Any) -> None:
    ex.ForgetStaleDrafts.runs.clear()
    register_plugin(chinwag_app, "cleaner", ex.ForgetStaleDrafts)
    with app_session(chinwag_app):
        ex.ForgetStaleDrafts().run(plugin_context(chinwag_app, "cleaner"))
    assert ex.ForgetStaleDrafts.runs == ["cleaner"]


def test_privacy_example(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    register_plugin(chinwag_app, "notes", ex.NotesPrivacy)
    visitor = visitor_client()
    ex.NotesPrivacy.notes[visitor.visitor_id] = ["likes tea"]
    h = {"Authorization": f"Bearer {admin_token}"}
    export = chinwag_client.get(f"/api/v1/visitors/{visitor.visitor_id}/export", headers=h)
    assert export.get_json()["plugins"]["notes"] == {"notes": ["likes tea"]}
    res = chinwag_client.delete(f"/api/v1/visitors/{visitor.visitor_id}", headers=h)
    assert res.status_code in (200, 204), res.get_json()
    assert visitor.visitor_id not in ex.NotesPrivacy.notes


def test_widget_example(chinwag_app: Any, visitor_client: Callable[..., VisitorClient]) -> None:
    ex.RatingEvents.received.clear()
    register_plugin(chinwag_app, "example", ex.PongBot, ex.ThumbsOnBotAnswers, ex.RatingEvents)
    visitor = visitor_client()
    declared = visitor.session["features"]["features"]
    (feature,) = [f for f in declared if f["type"] == "message_actions"]
    assert feature["event"] == "example.rate"
    assert feature["when"] == {"author_kinds": ["bot"]}
    assert [b["label"] for b in feature["components"]] == ["Helpful", "Not helpful"]
    visitor.send("ping")
    answer = visitor.wait_for_reply()
    down = feature["components"][1]["action"]
    ack = visitor.emit(
        down["event"], {"payload": down["payload"], "values": {}, "message_id": answer["id"]}
    )
    assert ack["ok"] and ack["components"][0]["type"] == "single_select"
    pick = ack["components"][0]["action"]
    ack = visitor.emit(
        pick["event"],
        {"payload": pick["payload"], "values": {"reason": "wrong"}, "message_id": answer["id"]},
    )
    assert ack == {"ok": True, "done": "Thanks for the feedback!"}
    assert ex.RatingEvents.received == [(answer["id"], "down"), (answer["id"], "wrong")]


def test_theme_checks_example(chinwag_app: Any, chinwag_client: Any, admin_token: str) -> None:
    register_plugin(chinwag_app, "example", ex.HouseColours)
    url, h = "/api/v1/widget-settings/check", {"Authorization": f"Bearer {admin_token}"}
    red = chinwag_client.post(url, json={"brand_color": "#ff0000"}, headers=h).get_json()
    (mine,) = [f for f in red["findings"] if f["plugin"] == "example"]
    assert (mine["setting"], mine["suggested_value"]) == ("brand_color", "#b3261e")
    blue = chinwag_client.post(url, json={"brand_color": "#1a4fb5"}, headers=h).get_json()
    assert [f for f in blue["findings"] if f["plugin"] == "example"] == []


def test_content_checks_example(chinwag_app: Any, chinwag_client: Any, admin_token: str) -> None:
    register_plugin(chinwag_app, "example", ex.HouseStyle)
    h = {"Authorization": f"Bearer {admin_token}"}
    body = {"shortcut": "soon", "title": "Soon", "text": "We will reply ASAP."}
    res = chinwag_client.post("/api/v1/canned-responses", json=body, headers=h)
    assert res.status_code == 201, res.get_json()
    mine = [a for a in res.get_json()["advice"] if a["plugin"] == "example"]
    assert [(a["code"], a["severity"]) for a in mine] == [("asap", "warning")]


def test_analytics_catalogue_matches_what_sinks_receive(
    chinwag_app: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
    analytics: Any,
) -> None:
    from chinwag_plugin_api.lifecycle import ANALYTICS_EVENTS

    register_plugin(chinwag_app, "pong", ex.PongBot)
    agent = agent_client()
    visitor = visitor_client()
    visitor.send("ping")
    visitor.wait_for_reply()
    conversation = visitor.conversation_id
    agent.emit("conversation.close", {"conversation_id": conversation})
    agent.emit("conversation.reopen", {"conversation_id": conversation})
    rating = {"rating_id": "r1", "value": "4", "scale": "5", "conversation_id": str(conversation)}
    assert visitor.emit("widget.track", {"name": "rating.submitted", "properties": rating})["ok"]
    for name, props in (
        ("opened", {"unread": 0}),
        ("closed", {"seconds": 1.5}),
        ("help_clicked", {"page": "/"}),
    ):
        assert visitor.emit("widget.track", {"name": name, "properties": props})["ok"], name
    # session_started, message.sent x2, conversation.started, first_response, closed,
    # reopened, the widget's own two and the page's two
    seen: dict[str, set[str]] = {}
    for event in analytics.wait(11):
        seen.setdefault(event.name, set()).update(event.properties)
        assert event.visitor_id == visitor.visitor_id and event.site_id is not None
    # hand-off and assignment: core/tests/test_analytics_pipeline.py; widget.loaded is the
    # server's serving the frame, not a socket event: core/tests/test_widget_loads_counted.py
    catalogue = {n for n in ANALYTICS_EVENTS if "<" not in n} - {
        "conversation.handed_off",
        "conversation.assigned",
        "widget.loaded",
    }
    assert set(seen) - {"widget.help_clicked", "widget.rating.submitted"} == catalogue
    assert seen["widget.help_clicked"] == {"page"}
    for name, props in seen.items():
        if name in ANALYTICS_EVENTS:
            documented = set(re.findall(r"`([a-z_]+)`", ANALYTICS_EVENTS[name]))
            assert props <= documented, f"{name}: {props - documented} undocumented"
    assert {e.properties["author_kind"] for e in analytics.of("message.sent")} == {"visitor", "bot"}


def eventually(check: Callable[[], bool], what: str, timeout: float = 5) -> None:
    """Listeners and sinks run after commit, off the request: wait for their effect."""
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_inbox_example(
    chinwag_app: Any,
    chinwag_client: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    register_plugin(chinwag_app, "example", ex.OrdersPanel, ex.FlagEvents)
    visitor = visitor_client()
    agent = agent_client()
    visitor.send("Where is my order?")
    conv = visitor.conversation_id
    res = chinwag_client.get(f"/api/v1/inbox/conversations/{conv}/panels", headers=agent.headers)
    (panel,) = res.get_json()["panels"]
    assert panel["title"] == "Orders"
    assert panel["components"][0]["text"].startswith("No orders")
    button = panel["components"][1]
    ack = agent.emit(
        button["action"]["event"],
        {"payload": button["action"]["payload"], "values": {}, "conversation_id": conv},
    )
    assert ack["ok"] and ack["components"][0]["text"] == "Flagged for review."
    assert agent.wait_for("annotation.update")["annotation"]["label"] == "Needs review"
    assert agent.wait_for("note.new")["note"]["text"].startswith("Flagged for review by agent")
    assert not visitor.events("note.new") and not visitor.events("annotation.update")

"""Typed events: every state change leaves an action as one event after its commit, on the app's
bus; plugin listeners, responders and analytics sinks run after the ack, isolated."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from chinwag_plugin_api import (
    ConversationView,
    MessageView,
    PluginContext,
    PluginInfo,
    Reply,
    Responder,
)
from chinwag_plugin_api.events import (
    CATALOGUE,
    Event,
    EventListener,
    MessageStored,
)

from chinwag import actions
from chinwag import events as ev
from chinwag.extensions import db
from chinwag.models import Conversation, Message
from chinwag.state import state
from chinwag.testing import create_user

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"
HEARD: list[tuple[str, Event, bool]] = []


def _visitor_socket(socket_client: Any, visitor_session: Any, demo_site: Any) -> Any:
    s = visitor_session()
    auth = {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    return socket_client("/widget", auth, origin="https://shop.example")


def _send(client: Any, key: str, text: str, conversation_id: int | None = None) -> Any:
    payload: dict[str, Any] = {"client_msg_id": key, "text": text}
    if conversation_id is not None:
        payload["conversation_id"] = conversation_id
    return client.emit("message.send", payload, namespace="/widget", callback=True)


def test_events_json_and_the_catalogue_are_generated() -> None:
    """events.json's domain and inbox names and docs/events.md come from the code (make docs)."""
    path = Path(ev.__file__).with_name("events.json")
    assert path.read_text() == ev.render(), "run: python -m chinwag.events docs/events.md"
    assert DOCS.read_text() == ev.render_markdown(), "run: python -m chinwag.events docs/events.md"
    names = ev.generated()["domain"].values()
    assert sorted(names) == sorted(CATALOGUE)
    for name in CATALOGUE:
        resource, _, action = name.partition(".")
        assert resource and action, name
        assert f"## `{name}`" in DOCS.read_text()


def test_every_change_is_one_typed_event_after_commit(
    chinwag_app: Any, socket_client: Any, visitor_session: Any, demo_site: Any
) -> None:
    seen: list[tuple[Event, bool]] = []

    def record(event: Event) -> None:
        # after commit: a fresh connection sees the stored row
        stored = True
        if isinstance(event, MessageStored):
            with db.engine.connect() as conn:
                stored = (
                    conn.execute(
                        db.select(Message.id).where(Message.id == event.message.id)
                    ).first()
                    is not None
                )
        seen.append((event, stored))

    state(chinwag_app).bus.subscribe(record)
    visitor = _visitor_socket(socket_client, visitor_session, demo_site)
    first = _send(visitor, "e1", "hello")
    conv = first["message"]["conversation_id"]
    _send(visitor, "e1", "hello")  # a re-send: no event
    _send(visitor, "e2", "again", conv)
    visitor.emit("typing.set", {"conversation_id": conv, "typing": True}, namespace="/widget")
    visitor.emit("conversation.read", {"conversation_id": conv, "seq": 2}, namespace="/widget")
    user_id = create_user(chinwag_app, "agent@example.com", "agent password", "agent")
    with chinwag_app.app_context():
        agent = actions.Actor("agent", user_id, None, "Agent")
        actions.assign(agent, conv, user_id)
        actions.set_status(agent, conv, "closed")
        actions.set_status(agent, conv, "open")
        site = actions.get_site(demo_site["id"])
        actions.update_site(site, {"name": "Renamed"})
    names = [e.name for e, _ in seen]
    assert names == [
        "visitor.updated",  # the widget session
        "message.stored",
        "conversation.opened",
        "message.stored",
        "typing.changed",
        "conversation.read",
        "user.changed",  # create_user: the same action as the CLI's and the admin's
        "conversation.assigned",
        "conversation.closed",
        "conversation.reopened",
        "site.changed",
    ]
    assert all(stored for _, stored in seen)
    stored = [e for e, _ in seen if isinstance(e, MessageStored)]
    assert [(m.message.seq, m.message.client_msg_id) for m in stored] == [(1, "e1"), (2, "e2")]
    assert stored[0].new_conversation and not stored[1].new_conversation
    # every event is of the site, but a user's, which belongs to no site
    assert {e.site_id for e, _ in seen if e.name != "user.changed"} == {demo_site["id"]}


class Listener(EventListener):
    events = ("message.stored",)

    def handle(self, ctx: PluginContext, event: Event) -> None:
        assert isinstance(event, MessageStored)
        row = ctx.db_session.get(Message, event.message.id)
        HEARD.append((ctx.plugin_name, event, row is not None))


BROKEN_SAW: list[str] = []


class Broken(EventListener):
    def handle(self, ctx: PluginContext, event: Event) -> None:
        BROKEN_SAW.append(event.name)
        raise RuntimeError("listener bug")


def test_plugin_listeners_hear_stored_messages_isolated(
    chinwag_app: Any, socket_client: Any, visitor_session: Any, demo_site: Any
) -> None:
    HEARD.clear()
    BROKEN_SAW.clear()
    host = state(chinwag_app).plugins
    host.register_test_plugin(
        "listener", PluginInfo("Listener"), {EventListener.namespace: [Listener]}
    )
    broken = host.register_test_plugin(
        "broken-listener", PluginInfo("Broken"), {EventListener.namespace: [Broken]}
    )
    visitor = _visitor_socket(socket_client, visitor_session, demo_site)
    ack = _send(visitor, "l1", "count me")
    assert ack["ok"]
    _send(visitor, "l1", "count me")  # re-sent: heard once
    assert state(chinwag_app).bus.wait_idle()
    assert [(name, e.message.id, found) for name, e, found in HEARD] == [
        ("listener", ack["message"]["id"], True)
    ]
    assert HEARD[0][1].message.client_msg_id == "l1"
    # every event it raised on counts as one failure, and it got the conversation's events
    assert broken.stats.failures == len(BROKEN_SAW)
    assert {"visitor.updated", "message.stored", "conversation.opened"} <= set(BROKEN_SAW)
    assert "listener bug" in (broken.stats.last_error or "")


RELEASE = threading.Event()
ANSWERING = threading.Event()


class SlowBot(Responder):
    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply:
        ANSWERING.set()
        RELEASE.wait(20)
        return Reply(text=f"slow answer to {message.text}")


def test_a_slow_responder_answers_after_the_ack(
    chinwag_app: Any, socket_client: Any, visitor_session: Any, demo_site: Any
) -> None:
    """The visitor's ack does not wait for a bot: the bot is still answering when the ack is in."""
    RELEASE.clear()
    ANSWERING.clear()
    state(chinwag_app).plugins.register_test_plugin(
        "slow-bot", PluginInfo("Slow bot"), {Responder.namespace: [SlowBot]}
    )
    visitor = _visitor_socket(socket_client, visitor_session, demo_site)
    ack = _send(visitor, "s1", "anyone?")
    assert ack["ok"] and ack["message"]["seq"] == 1
    assert ANSWERING.wait(20), "the bot never ran"
    with chinwag_app.app_context():
        conv = db.session.get(Conversation, ack["message"]["conversation_id"])
        assert conv is not None and conv.last_seq == 1  # no answer yet: the bot is still busy
    RELEASE.set()
    assert state(chinwag_app).bus.wait_idle()
    with chinwag_app.app_context():
        texts = [
            m.text
            for m in db.session.execute(
                db.select(Message).where(Message.conversation_id == conv.id).order_by(Message.seq)
            ).scalars()
        ]
    assert texts == ["anyone?", "slow answer to anyone?"]

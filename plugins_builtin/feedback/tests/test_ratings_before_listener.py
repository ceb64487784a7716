"""An answer rated before the plugin's listener learnt it (issue 16): a fast click, or a busy
server whose event bus is behind. The listener is held (its ``message.stored`` events kept
aside), the rating is sent, then the kept events are delivered as the bus would, late."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chinwag_feedback import listeners
from chinwag_feedback.models import Answer, Rating, Thread
from conftest import PLUGIN, rate
from sqlalchemy import func, select

from chinwag.testing import app_session, configure_plugin, plugin_context


class HeldListener:
    """Keeps every ``message.stored`` the plugin's listener gets instead of handling it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.real = listeners.track_message
        self.kept: list[Any] = []

    def __call__(self, ctx: Any, event: Any) -> None:
        self.kept.append(event)

    def deliver(self) -> None:
        """What the bus would have done: hand the listener every kept event, in order."""
        with self.app.app_context():
            ctx = plugin_context(self.app, PLUGIN)
            for event in self.kept:
                self.real(ctx, event)


@pytest.fixture
def held(feedback_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldListener]:
    hold = HeldListener(feedback_app)
    monkeypatch.setattr(listeners, "track_message", hold)
    yield hold


def _rows(app: Any, model: Any) -> list[Any]:
    with app_session(app) as s:
        rows = list(s.execute(select(model)).scalars())
        s.expunge_all()
        return rows


def _count(app: Any, model: Any) -> int:
    with app_session(app) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_an_answer_rated_before_the_listener_is_accepted_and_recorded_once(
    feedback_app: Any,
    held: HeldListener,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
) -> None:
    visitor, answer = answered("wo ist mein Paket?", visitor_client(locale="de-DE"))
    assert held.kept and _count(feedback_app, Answer) == 0  # the listener has not run

    ack = rate(visitor, answer, value="up")
    assert ack["ok"], ack
    # no thread learnt yet: the reply is in the visitor's language all the same
    assert ack["components"][0]["text"] == "Danke für Ihr Feedback!"
    [row] = _rows(feedback_app, Answer)
    assert (row.message_id, row.conversation_id, row.visitor_id, row.author_kind) == (
        answer["id"],
        answer["conversation_id"],
        visitor.visitor_id,
        "bot",
    )
    assert row.excerpt == answer["text"][:200]

    held.deliver()  # the listener arrives later: no second row, no failure
    held.deliver()
    assert _count(feedback_app, Answer) == 1
    [thread] = _rows(feedback_app, Thread)
    assert (thread.conversation_id, thread.last_author_kind) == (answer["conversation_id"], "bot")
    assert rate(visitor, answer, value="down")["ok"]
    [rating] = _rows(feedback_app, Rating)
    assert (rating.message_id, rating.value, rating.locale) == (answer["id"], "down", "de-DE")


def test_before_the_listener_other_conversations_and_visitor_messages_are_refused(
    feedback_app: Any,
    held: HeldListener,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
) -> None:
    visitor, mine = answered("mine")
    stranger, theirs = answered("theirs")
    # another visitor's answer named with the rater's own conversation: not a message of it
    ack = rate(visitor, {**theirs, "conversation_id": mine["conversation_id"]}, value="up")
    assert ack["error"]["code"] == "not_rateable"
    # ... and with its own conversation: not theirs to rate
    assert rate(visitor, theirs, value="up")["error"]["code"] == "not_yours"
    own = visitor.messages("visitor")[0]
    assert rate(visitor, own, value="up")["error"]["code"] == "not_rateable"
    assert rate(visitor, {**mine, "id": 10**9}, value="up")["error"]["code"] == "not_rateable"
    ack = visitor.emit("feedback.rate", {"payload": {"value": "up"}, "message_id": mine["id"]})
    assert ack["error"]["code"] == "not_rateable"  # no conversation to check it against
    assert _count(feedback_app, Answer) == 0
    assert _count(feedback_app, Rating) == 0
    assert rate(stranger, theirs, value="up")["ok"]


def test_before_the_listener_agent_answers_follow_the_sites_choice(
    feedback_app: Any,
    held: HeldListener,
    answered: Callable[..., Any],
    agent_client: Callable[..., Any],
) -> None:
    visitor, bot = answered()
    agent = agent_client()
    ack = agent.send("an agent's answer", conversation_id=visitor.conversation_id)
    assert ack["ok"], ack
    said = ack["message"]
    assert rate(visitor, said, value="up")["error"]["code"] == "not_rateable"
    assert _count(feedback_app, Answer) == 0  # refused: nothing recorded

    configure_plugin(feedback_app, PLUGIN, rate_agent_answers=True)
    assert rate(visitor, said, value="up")["ok"]
    [row] = _rows(feedback_app, Answer)
    assert (row.message_id, row.author_kind) == (said["id"], "agent")
    held.deliver()  # learns the bot's answer too; the agent's stays one row
    found = {(r.message_id, r.author_kind) for r in _rows(feedback_app, Answer)}
    assert found == {(said["id"], "agent"), (bot["id"], "bot")}
    assert _count(feedback_app, Rating) == 1

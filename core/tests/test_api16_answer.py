"""Answering from a job (plugin API 1.6): ``ctx.answer`` sends a bot's reply to a visitor's
message once (sharing the key of a responder's reply), finishes a hand-off a re-run did not
reach, and refuses what is not a visitor's message of the conversation; ``ctx.hand_off`` is
idempotent; ``ctx.recent_messages`` reads oldest first, bounded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chinwag_plugin_api import (
    ConversationView,
    MessageView,
    PluginContext,
    Reply,
    Responder,
)

from chinwag.testing import AgentClient, VisitorClient, app_session, plugin_context, register_plugin


class NowBot(Responder):
    """Answers "now" from its hook, like any responder."""

    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        return Reply(text="from the hook") if message.text == "now" else None


def bot_messages(visitor: VisitorClient) -> list[str]:
    return [m["text"] for m in visitor.messages("bot")]


def test_answer_is_sent_once_and_finishes_a_hand_off(
    chinwag_app: Any, visitor_client: Callable[..., VisitorClient]
) -> None:
    register_plugin(chinwag_app, "later")
    visitor = visitor_client()
    first = visitor.send("one")["message"]
    with app_session(chinwag_app):
        ctx = plugin_context(chinwag_app, "later")
        cid = visitor.conversation_id
        assert cid is not None and not ctx.has_answered(cid, first["id"])
        assert ctx.answer(cid, first["id"], Reply(text="answer one")) is True
        assert ctx.has_answered(cid, first["id"])
        # a re-run that now asks for the hand-off: no second message, but the hand-off is done
        assert ctx.answer(cid, first["id"], Reply(text="answer one", handoff=True)) is False
        assert ctx.conversation(cid).assignee_kind == "agent"  # type: ignore[union-attr]
        assert ctx.hand_off(cid) is False  # people hold it already
        # people hold it: another question of the visitor gets no bot answer
        second = visitor.send("two")["message"]
        assert ctx.answer(cid, second["id"], Reply(text="answer two")) is False
    visitor.wait_for_reply()
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.3)
    assert bot_messages(visitor) == []  # consumed above: exactly one bot message arrived


def test_a_job_never_repeats_the_hooks_answer(
    chinwag_app: Any, visitor_client: Callable[..., VisitorClient]
) -> None:
    register_plugin(chinwag_app, "nowbot", NowBot)
    register_plugin(chinwag_app, "otherbot")
    visitor = visitor_client()
    mid = visitor.send("now")["message"]["id"]
    assert visitor.wait_for_reply()["text"] == "from the hook"
    with app_session(chinwag_app):
        ctx = plugin_context(chinwag_app, "nowbot")
        assert ctx.has_answered(visitor.conversation_id, mid)  # type: ignore[arg-type]
        assert ctx.answer(visitor.conversation_id, mid, Reply(text="again")) is False  # type: ignore[arg-type]
        # each bot answers for itself: another one has not answered it
        other = plugin_context(chinwag_app, "otherbot")
        assert not other.has_answered(visitor.conversation_id, mid)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.3)


def test_bad_ids_raise_lookup_errors_and_limits_are_checked(
    chinwag_app: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    register_plugin(chinwag_app, "later")
    visitor, other = visitor_client(), visitor_client()
    ids = [visitor.send(t)["message"]["id"] for t in ("a", "b", "c")]
    foreign = other.send("elsewhere")["message"]["id"]
    agent = agent_client()
    agent_msg = agent.send("from an agent", conversation_id=visitor.conversation_id)["message"]
    with app_session(chinwag_app):
        ctx = plugin_context(chinwag_app, "later")
        cid = visitor.conversation_id
        assert cid is not None
        for bad in (10**9, foreign, agent_msg["id"]):
            with pytest.raises(LookupError):
                ctx.answer(cid, bad, Reply(text="x"))
        with pytest.raises(LookupError):
            ctx.answer(10**9, ids[0], Reply(text="x"))
        with pytest.raises(LookupError):
            ctx.hand_off(10**9)
        with pytest.raises(LookupError):
            ctx.recent_messages(cid, until_id=foreign)
        for limit in (0, 51, True):
            with pytest.raises(ValueError):
                ctx.recent_messages(cid, limit=limit)
        assert [m.text for m in ctx.recent_messages(cid, limit=2, until_id=ids[1])] == ["a", "b"]
        texts = [m.text for m in ctx.recent_messages(cid)]
        assert texts == ["a", "b", "c", "from an agent"]
        assert ctx.recent_messages(cid, limit=1)[0].author_kind == "agent"

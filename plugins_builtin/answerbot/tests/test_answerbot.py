"""The answer bot over real Socket.IO clients: answers with a quoted, linked article, asks
whether it helped, hands off with a note, is not sure below its threshold, keeps office hours."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from chinwag_answerbot import bot as answerbot
from chinwag_answerbot.models import Followup, Turn
from chinwag_answerbot.privacy import AnswerbotPrivacy
from chinwag_plugin_api import VisitorRef
from marshmallow import ValidationError
from sqlalchemy import select

from chinwag.testing import app_session, configure_plugin, enable_plugin, plugin_context

NEVER_OPEN: dict[str, str] = {}


def buttons(message: dict[str, Any]) -> list[str]:
    return [
        b["label"] for blk in message["blocks"] if blk["type"] == "buttons" for b in blk["buttons"]
    ]


def test_answers_with_the_article_then_hands_off_with_a_note(
    bot: Any, visitor_client: Any, agent_client: Any, chinwag_client: Any
) -> None:
    agent = agent_client()
    visitor = visitor_client()
    visitor.send("How do I reset my password?")
    answer = visitor.wait_for_reply()
    assert answer["text"].startswith("From **Reset your password**:")
    assert "“On the sign-in page choose Forgot password?" in answer["text"]  # the passage, quoted
    assert "[Read “Reset your password”](http" in answer["text"]  # and linked
    assert "/reset-password)" in answer["text"]
    cards = [b for b in answer["blocks"] if b["type"] == "card"]
    assert cards[0]["title"] == "Reset your password"
    assert cards[0]["url"].endswith("/reset-password")
    # the question sits after the cards, right above its buttons
    assert [b["type"] for b in answer["blocks"]][-2:] == ["text", "buttons"]
    assert answer["blocks"][-2]["text"] == answerbot.ASKED
    assert buttons(answer) == [answerbot.YES, answerbot.NO, answerbot.PERSON]

    visitor.send(answerbot.NO)  # what the widget sends for the button
    reply = visitor.wait_for_reply()
    assert "passing you to a person" in reply["text"]
    update = visitor.wait_for("conversation.update", lambda d: d["conversation"]["assignee_kind"])
    assert update["conversation"]["assignee_kind"] == "agent"
    agent.wait_for("inbox.event", lambda d: d["kind"] == "conversation.handoff")
    res = chinwag_client.get(
        f"/api/v1/inbox/conversations/{visitor.conversation_id}/notes", headers=agent.headers
    )
    assert res.status_code == 200, res.get_json()
    (note,) = res.get_json()["notes"]
    assert note["author_plugin"] == "chinwag-answerbot"
    assert "The visitor asked: “How do I reset my password?”" in note["text"]
    assert "“Reset your password”" in note["text"] and "did not help" in note["text"]
    assert not visitor.events("note.new")  # agents only

    # people hold it now: the bot no longer answers
    visitor.send("How do I reset my password?")
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.5)


def bot_app(visitor: Any) -> Any:
    return visitor.raw.app


def test_yes_resolves_and_the_bot_keeps_answering(bot: Any, visitor_client: Any) -> None:
    visitor = visitor_client()
    visitor.send("reset password")
    visitor.wait_for_reply()
    visitor.send(answerbot.YES)
    assert "Glad that helped" in visitor.wait_for_reply()["text"]
    visitor.send("how to change my email address")
    assert "Change your email address" in visitor.wait_for_reply()["text"]
    with app_session(bot_app(visitor)) as s:
        outcomes = [t.outcome for t in s.execute(select(Turn).order_by(Turn.id)).scalars()]
    assert outcomes == ["resolved", "answered"]


def test_below_the_threshold_it_is_not_sure_and_offers_a_person(
    bot: Any, visitor_client: Any, chinwag_app: Any
) -> None:
    visitor = visitor_client()
    visitor.send("Do you ship parcels to Mars?")
    reply = visitor.wait_for_reply()
    assert reply["text"] == answerbot.UNSURE
    assert buttons(reply) == [answerbot.PERSON]
    assert "reset-password" not in str(reply)  # never an article it does not believe in
    # a strict site: even a half match is not good enough
    configure_plugin(chinwag_app, "chinwag-answerbot", threshold=0.9)
    visitor.send("password for my pony saddle")
    assert visitor.wait_for_reply()["text"] == answerbot.UNSURE
    visitor.send(answerbot.PERSON)
    assert visitor.wait_for_reply()["text"].startswith("I'm passing you")


def test_a_sites_own_threshold_overrides_the_default(
    bot: Any, visitor_client: Any, chinwag_app: Any, demo_site: dict[str, Any]
) -> None:
    """The confidence threshold is per site: a match (0.65) the bot quotes at the default 0.5
    leaves it unsure on a site of its own 0.9."""
    visitor = visitor_client()
    visitor.send("I cannot sign in")
    assert "Reset your password" in visitor.wait_for_reply()["text"]
    site = str(demo_site["id"])
    configure_plugin(chinwag_app, "chinwag-answerbot", sites={site: {"threshold": 0.9}})
    visitor.send("I cannot sign in")
    assert visitor.wait_for_reply()["text"] == answerbot.UNSURE


def test_outside_office_hours_says_when_people_are_back_and_takes_an_email(
    bot: Any, visitor_client: Any, chinwag_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_plugin(
        chinwag_app,
        "chinwag-answerbot",
        timezone="Europe/Paris",
        hours={"mon": "09:00-17:00", "tue": "09:00-17:00"},
        holidays=["2026-12-01"],
    )
    # Monday 30 November 2026, 18:30 in Paris; Tuesday is a holiday: back Monday 7 December
    monkeypatch.setattr(answerbot, "now", lambda: datetime(2026, 11, 30, 17, 30, tzinfo=UTC))
    visitor = visitor_client()
    visitor.send("I want to talk to a person")
    prompt = visitor.wait_for("plugin.event", lambda d: d["event"] == answerbot.PROMPT_EVENT)
    reply = visitor.wait_for_reply()
    assert "back on Monday 7 December at 09:00 (Europe/Paris)" in reply["text"]
    assert "email" in reply["text"]
    fields = [c for c in prompt["payload"]["components"] if c["type"] == "input"]
    assert fields[0]["id"] == "email"
    submit = next(c for c in prompt["payload"]["components"] if c["type"] == "submit")
    conv = str(visitor.conversation_id)
    assert submit["action"]["payload"] == {"conversation_id": conv}

    def followup(**values: str) -> dict[str, Any]:
        ack: dict[str, Any] = visitor.emit(
            answerbot.FOLLOWUP_EVENT,
            {
                "payload": {"conversation_id": conv},
                "values": values,
                "conversation_id": visitor.conversation_id,
            },
        )
        return ack

    bad = followup(email="not an address")
    assert not bad["ok"] and bad["error"]["code"] == "invalid_email"
    long = followup(email="a" * 250 + "@example.com")
    assert not long["ok"] and long["error"]["code"] == "invalid_email"
    good = followup(email="ada@example.com")
    assert good["ok"] and "ada@example.com" in str(good)
    with app_session(chinwag_app) as s:
        assert [f.email for f in s.execute(select(Followup)).scalars()] == ["ada@example.com"]


def test_another_visitors_conversation_is_refused(
    bot: Any, visitor_client: Any, chinwag_app: Any
) -> None:
    owner = visitor_client()
    owner.send("reset password")
    owner.wait_for_reply()
    stranger = visitor_client()
    ack = stranger.emit(
        answerbot.FOLLOWUP_EVENT,
        {
            "payload": {},
            "values": {"email": "eve@example.com"},
            "conversation_id": owner.conversation_id,
        },
    )
    assert not ack["ok"] and ack["error"]["code"] == "not_found"
    junk = stranger.emit(answerbot.FOLLOWUP_EVENT, {"values": {"email": 5}, "extra": 1})
    assert not junk["ok"]


def test_outside_hours_mode_leaves_open_hours_to_people(
    bot: Any,
    visitor_client: Any,
    agent_client: Any,
    chinwag_app: Any,
    demo_site: dict[str, Any],
) -> None:
    configure_plugin(
        chinwag_app, "chinwag-answerbot", sites={str(demo_site["id"]): {"mode": "outside_hours"}}
    )
    # always open, but nobody has the inbox open: the bot answers
    alone = visitor_client()
    alone.send("reset password")
    assert "Reset your password" in alone.wait_for_reply()["text"]
    agent = agent_client()  # an agent opens the inbox: people are in
    visitor = visitor_client()
    visitor.send("reset password")
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.5)
    agent.close()
    configure_plugin(
        chinwag_app,
        "chinwag-answerbot",
        sites={str(demo_site["id"]): {"mode": "outside_hours", "hours": NEVER_OPEN}},
    )
    visitor.send("reset password")
    assert "Reset your password" in visitor.wait_for_reply()["text"]


def test_switched_off_the_bot_is_silent(bot: Any, visitor_client: Any, chinwag_app: Any) -> None:
    enable_plugin(chinwag_app, "chinwag-answerbot", False)
    visitor = visitor_client()
    visitor.send("reset password")
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.5)


@pytest.mark.parametrize(
    "settings",
    [
        {"timezone": "Mars/Olympus"},
        {"threshold": 1.5},
        {"hours": {"mon": "17:00-09:00"}},
        {"hours": {"funday": "09:00-10:00"}},
        {"holidays": ["25/12/2026"]},
        {"mode": "sometimes"},
        {"sites": {"x": {"threshold": 0.5}}},
        {"sites": {"1": {"colour": "red"}}},
    ],
)
def test_bad_settings_are_refused(chinwag_app: Any, settings: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        configure_plugin(chinwag_app, "chinwag-answerbot", **settings)


def test_privacy_export_and_erase(bot: Any, visitor_client: Any, chinwag_app: Any) -> None:
    visitor = visitor_client()
    visitor.send("reset password")
    visitor.wait_for_reply()
    other = visitor_client()
    other.send("change email address")
    other.wait_for_reply()
    ref = VisitorRef(id=visitor.visitor_id, site_id=0)
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-answerbot")
        data = AnswerbotPrivacy().export(ctx, ref)
        assert [q["question"] for q in data["questions"]] == ["reset password"]
        AnswerbotPrivacy().erase(ctx, ref)
        ctx.db_session.commit()
        assert AnswerbotPrivacy().export(ctx, ref)["questions"] == []
        left = ctx.db_session.execute(select(Turn.question)).scalars().all()
    assert left == ["change email address"]


def test_retention_erases_the_questions_of_expired_conversations(
    bot: Any, visitor_client: Any, chinwag_app: Any
) -> None:
    """The retention job asks before deleting conversations: their questions go, others stay."""
    old = visitor_client()
    old.send("reset password")
    old.wait_for_reply()
    kept = visitor_client()
    kept.send("change email address")
    kept.wait_for_reply()
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-answerbot")
        AnswerbotPrivacy().erase_conversations(ctx, [old.conversation_id])
        ctx.db_session.commit()
        left = ctx.db_session.execute(select(Turn.conversation_id)).scalars().all()
    assert left == [kept.conversation_id]

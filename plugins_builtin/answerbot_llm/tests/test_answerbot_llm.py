"""The LLM answer bot over real Socket.IO clients against a local chat-completions server:
grounded answers with the article's link, from a background job (a model slower than the hook
budget still answers, once however often the job runs), follow-up questions with the earlier
turns in the prompt, "Did that answer your question?" with a hand-off on "no", hand-offs with a
note when passages do not support an answer or the endpoint is down or slow (the visitor's ack
unaffected), the API key kept secret, and only one bot answering a conversation."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from chinwag_answerbot import bot as classic
from chinwag_answerbot_llm import bot as llmbot
from chinwag_plugin_api import MessageView
from llm_testkit import API_KEY, PLUGIN
from marshmallow import ValidationError
from openai_fake import FakeOpenAI

from chinwag.testing import (
    PluginHandle,
    configure_plugin,
    enable_plugin,
    free_port,
    plugin_context,
    run_jobs,
)


def counters(app: Any) -> dict[str, int]:
    return dict(PluginHandle(app, PLUGIN).health()["counters"])


def notes(client: Any, agent: Any, conversation_id: int) -> list[str]:
    res = client.get(f"/api/v1/inbox/conversations/{conversation_id}/notes", headers=agent.headers)
    assert res.status_code == 200, res.get_json()
    return [n["text"] for n in res.get_json()["notes"] if n["author_plugin"] == PLUGIN]


def ask(app: Any, visitor: Any, text: str) -> dict[str, Any]:
    """Send a question and run the job the bot queued for it (tests' apps start no worker)."""
    ack: dict[str, Any] = visitor.send(text)
    assert ack["ok"] is True, ack
    run_jobs(app)
    return ack


def handed_off(visitor: Any) -> bool:
    update = visitor.wait_for("conversation.update", lambda d: d["conversation"]["assignee_kind"])
    return bool(update["conversation"]["assignee_kind"] == "agent")


def test_answers_from_the_passages_with_the_article_link(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any
) -> None:
    visitor = visitor_client()
    ack = visitor.send("How do I reset my password?")
    with pytest.raises(AssertionError):  # the responder only queued the job
        visitor.wait_for_reply(timeout=0.3)
    assert not fake_llm.bodies
    run_jobs(llm_bot)
    answer = visitor.wait_for_reply()
    # the model's answer (the fake quotes passage [1]) followed by the cited article's link
    assert answer["text"].startswith("On the sign-in page choose Forgot password")
    assert "Sources: [Reset your password](http" in answer["text"]
    assert "/reset-password)" in answer["text"]
    cards = [b for b in answer["blocks"] if b["type"] == "card"]
    assert [c["title"] for c in cards] == ["Reset your password"]
    assert cards[0]["url"].endswith("/reset-password")
    # then chinwag-answerbot's "Did that answer your question?" and its buttons
    assert tuple(answer["blocks"][-2:]) == classic.did_it_help()
    assert [b["label"] for b in answer["blocks"][-1]["buttons"]] == [
        classic.YES,
        classic.NO,
        classic.PERSON,
    ]

    # what left Chinwag: the model, a fixed instruction, the passages and the question; nothing
    # about the visitor
    (body,) = fake_llm.bodies
    assert not fake_llm.errors
    assert body["model"] == "test-model" and body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    assert "[1] Reset your password" in user and "expires after one hour" in user
    assert user.endswith("Question:\nHow do I reset my password?")
    assert set(body) == {
        "model",
        "messages",
        "temperature",
        "max_tokens",
        "stream",
        "response_format",
    }
    assert counters(llm_bot).get("answered") == 1

    # the bot keeps the conversation: a second question is answered too
    ask(llm_bot, visitor, "How do I cancel my subscription?")
    assert "[Cancel your subscription](http" in visitor.wait_for_reply()["text"]

    # a re-run of the job (its worker died after answering) sends nothing twice and does not
    # call the model again
    with llm_bot.app_context():
        llmbot.answer_job(
            plugin_context(llm_bot, PLUGIN), visitor.conversation_id, ack["message"]["id"]
        )
    assert len(fake_llm.bodies) == 2
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.3)


def test_no_supporting_passage_hands_off_without_calling_the_model(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any, agent_client: Any, chinwag_client: Any
) -> None:
    agent = agent_client()
    visitor = visitor_client()
    ask(llm_bot, visitor, "Do you ship parcels to Mars?")
    reply = visitor.wait_for_reply()
    assert reply["text"] == llmbot.UNSUPPORTED
    assert handed_off(visitor)
    assert fake_llm.http is not None and not fake_llm.http.requests  # the question stayed here
    (text,) = notes(chinwag_client, agent, visitor.conversation_id)
    assert "The visitor asked: “Do you ship parcels to Mars?”" in text
    assert "The model was not asked" in text
    assert counters(llm_bot).get("no_passage") == 1
    # people hold it now: the bot is silent
    ask(llm_bot, visitor, "How do I reset my password?")
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.5)


@pytest.mark.parametrize(
    ("content", "counter", "in_note"),
    [
        (
            {"status": "cannot_answer", "reason": "The passages are about passwords only."},
            "cannot_answer",
            "passages do not answer it: The passages are about passwords only.",
        ),
        ({"status": "answered", "answer": "Yes.", "sources": [7]}, "invalid", "not given (7)"),
        ({"status": "answered", "answer": "Yes.", "sources": []}, "invalid", "cited no passage"),
        ("Sure! Just click the button.", "invalid", "not a JSON object"),
    ],
)
def test_a_refusal_or_an_unsupported_reply_hands_off_with_a_note(
    llm_bot: Any,
    fake_llm: FakeOpenAI,
    visitor_client: Any,
    agent_client: Any,
    chinwag_client: Any,
    content: Any,
    counter: str,
    in_note: str,
) -> None:
    fake_llm.reply = lambda body: content if isinstance(content, str) else json.dumps(content)
    agent = agent_client()
    visitor = visitor_client()
    ask(llm_bot, visitor, "Does the reset password link expire?")
    reply = visitor.wait_for_reply()
    assert reply["text"] == llmbot.UNSUPPORTED  # the model's text is never shown
    assert handed_off(visitor)
    (text,) = notes(chinwag_client, agent, visitor.conversation_id)
    assert in_note in text and "“Reset your password”" in text
    assert counters(llm_bot).get(counter) == 1


def test_endpoint_down_hands_off_politely_and_shows_in_health(
    llm_bot: Any, visitor_client: Any, agent_client: Any, chinwag_client: Any
) -> None:
    configure_plugin(llm_bot, PLUGIN, base_url=f"http://127.0.0.1:{free_port()}/v1")
    agent = agent_client()
    visitor = visitor_client()
    ask(llm_bot, visitor, "How do I reset my password?")
    assert visitor.wait_for_reply()["text"] == llmbot.UNAVAILABLE
    assert handed_off(visitor)
    (text,) = notes(chinwag_client, agent, visitor.conversation_id)
    assert "The model endpoint failed" in text and "Connection" in text
    assert counters(llm_bot).get("endpoint_unreachable") == 1


def test_a_model_slower_than_the_hook_budget_still_answers(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any
) -> None:
    """The model takes 2.5 s, past the responder's 2 s budget: the job waits for it (the bot's
    own timeout, 5 s here) and the visitor gets the answer."""
    fake_llm.delay = 2.5
    configure_plugin(llm_bot, PLUGIN, timeout=5.0)
    visitor = visitor_client()
    ask(llm_bot, visitor, "How do I reset my password?")
    assert visitor.wait_for_reply()["text"].startswith("On the sign-in page choose")
    assert counters(llm_bot).get("answered") == 1
    assert "endpoint_timeout" not in counters(llm_bot)


def test_slow_endpoint_never_delays_the_ack_and_hands_off(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any
) -> None:
    fake_llm.hold = threading.Event()  # every request waits until the test ends
    configure_plugin(llm_bot, PLUGIN, timeout=0.5)
    visitor = visitor_client()
    # the raw Socket.IO emit returns the ack without waiting for the bots
    ack = visitor.raw.emit(
        "message.send",
        {"client_msg_id": uuid.uuid4().hex, "text": "How do I reset my password?"},
        namespace="/widget",
        callback=True,
    )
    assert ack["ok"] is True and not fake_llm.hold.is_set()  # acked; the endpoint never answered
    visitor.conversation_id = ack["message"]["conversation_id"]
    llm_bot.extensions["chinwag"].bus.wait_idle()
    run_jobs(llm_bot)  # the job gives up after the bot's timeout and hands off
    assert visitor.wait_for_reply()["text"] == llmbot.UNAVAILABLE
    assert handed_off(visitor)
    assert counters(llm_bot).get("endpoint_timeout") == 1


def test_follow_up_questions_carry_the_earlier_turns(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any
) -> None:
    visitor = visitor_client()
    ask(llm_bot, visitor, "How do I reset my password?")
    first = visitor.wait_for_reply()["text"].split("\n\nSources:")[0]
    ask(llm_bot, visitor, "How long does the reset link work?")
    visitor.wait_for_reply()
    one, two = fake_llm.bodies
    assert "Earlier in this conversation" not in one["messages"][1]["content"]
    user = two["messages"][1]["content"]
    earlier = user.split("Earlier in this conversation", 1)[1].split("Question:")[0]
    # the first question and the bot's answer to it (without its links), in order
    assert earlier.index("Visitor: How do I reset my password?") < earlier.index(f"You: {first}")
    assert "Sources:" not in earlier and "http" not in earlier
    assert user.endswith("Question:\nHow long does the reset link work?")


def test_history_is_bounded_by_count_and_characters() -> None:
    def msg(n: int, kind: str, text: str) -> MessageView:
        return MessageView(n, 1, n, kind, text, (), datetime.now(UTC))

    many = [msg(n, "visitor" if n % 2 else "bot", f"turn {n}") for n in range(1, 21)]
    turns = llmbot.history(many)
    assert [t.text for t in turns] == [f"turn {n}" for n in range(15, 21)]
    assert turns[-1].role == "assistant" and turns[-2].role == "user"
    long = [msg(1, "visitor", "a" * 1500), msg(2, "bot", "b" * 1500), msg(3, "visitor", "c")]
    assert [t.text[0] for t in llmbot.history(long)] == ["b", "c"]
    assert llmbot.history([msg(1, "agent", "hi"), msg(2, "system", "x")]) == []


def test_no_after_an_answer_hands_off_and_yes_thanks(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any, agent_client: Any, chinwag_client: Any
) -> None:
    agent = agent_client()
    happy = visitor_client()
    ask(llm_bot, happy, "How do I reset my password?")
    happy.wait_for_reply()
    ask(llm_bot, happy, classic.YES)  # the button's label
    assert happy.wait_for_reply()["text"] == classic.GLAD
    assert len(fake_llm.bodies) == 1  # no model call for a button
    assert counters(llm_bot).get("helped") == 1

    visitor = visitor_client()
    ask(llm_bot, visitor, "How do I reset my password?")
    visitor.wait_for_reply()
    ask(llm_bot, visitor, classic.NO)
    assert visitor.wait_for_reply()["text"] == llmbot.HANDOFF
    assert handed_off(visitor)
    assert len(fake_llm.bodies) == 2
    (text,) = notes(chinwag_client, agent, visitor.conversation_id)
    assert "They said the answer did not help." in text
    assert "The visitor asked: “How do I reset my password?”" in text


def test_an_error_status_hands_off(llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any) -> None:
    fake_llm.status = 500
    visitor = visitor_client()
    ask(llm_bot, visitor, "How do I reset my password?")
    assert visitor.wait_for_reply()["text"] == llmbot.UNAVAILABLE
    assert counters(llm_bot).get("endpoint_http") == 1


def test_the_api_key_is_sent_but_never_logged_or_shown(
    llm_bot: Any,
    fake_llm: FakeOpenAI,
    visitor_client: Any,
    chinwag_client: Any,
    admin_token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    visitor = visitor_client()
    ask(llm_bot, visitor, "How do I reset my password?")
    visitor.wait_for_reply()
    assert fake_llm.http is not None
    assert fake_llm.http.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"
    fake_llm.status = 401  # failures log the endpoint and the status, not the key
    ask(llm_bot, visitor, "How do I cancel my subscription?")
    visitor.wait_for_reply()  # handed off: a new visitor for the next failure
    configure_plugin(llm_bot, PLUGIN, base_url=f"http://127.0.0.1:{free_port()}/v1")
    other = visitor_client()
    ask(llm_bot, other, "Does the reset link expire?")
    other.wait_for_reply()
    assert "HTTP 401" in caplog.text and "Connection" in caplog.text
    assert API_KEY not in caplog.text
    res = chinwag_client.get(
        f"/api/v1/plugins/{PLUGIN}", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert res.status_code == 200
    assert API_KEY not in res.get_data(as_text=True)
    assert res.get_json()["settings"]["api_key"] not in ("", API_KEY)  # masked, and set


def test_asking_for_a_person_hands_off_without_the_model(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any
) -> None:
    visitor = visitor_client()
    ask(llm_bot, visitor, "Can I talk to a person?")
    assert visitor.wait_for_reply()["text"] == llmbot.HANDOFF
    assert handed_off(visitor)
    assert fake_llm.http is not None and not fake_llm.http.requests


def test_off_for_a_site_sends_nothing(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any, demo_site: dict[str, Any]
) -> None:
    configure_plugin(llm_bot, PLUGIN, sites={str(demo_site["id"]): {"enabled": False}})
    visitor = visitor_client()
    ask(llm_bot, visitor, "How do I reset my password?")
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.5)
    assert fake_llm.http is not None and not fake_llm.http.requests


def test_only_one_bot_answers_when_the_classic_answer_bot_is_on(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any
) -> None:
    enable_plugin(llm_bot, "chinwag-answerbot")
    configure_plugin(
        llm_bot,
        "chinwag-answerbot",
        hours={d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    visitor = visitor_client()
    ask(llm_bot, visitor, "How do I reset my password?")
    first = visitor.wait_for_reply()
    assert first["text"].startswith("From **Reset your password**")  # chinwag-answerbot's
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.5)
    assert fake_llm.http is not None and not fake_llm.http.requests


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"base_url": "ftp://example.com/v1", "model": "m"}, "base_url"),
        ({"base_url": "http://127.0.0.1:11434/v1?x=1", "model": "m"}, "base_url"),
        ({"base_url": "http://127.0.0.1:11434/v1", "model": ""}, "model"),
        ({"timeout": 0}, "timeout"),
        ({"temperature": 3}, "temperature"),
        ({"sites": {"3": {"threshold": 2}}}, "sites"),
    ],
)
def test_bad_settings_are_refused_with_a_sentence(
    chinwag_app: Any, settings: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        configure_plugin(chinwag_app, PLUGIN, **settings)
    assert field in err.value.messages


def test_an_earlier_question_still_unanswered_is_asked_with_the_next_and_never_answered_late(
    llm_bot: Any, fake_llm: FakeOpenAI, visitor_client: Any, monkeypatch: Any
) -> None:
    """The second question's job waits for the first's answer only so long (here the
    endpoint's 1 s timeout): then it asks both questions at once, and the first question's
    job, run at last, answers nothing (it would come after the answer that covered it)."""
    monkeypatch.setattr(llmbot, "WAIT_MARGIN", 0.0)
    visitor = visitor_client()
    first = visitor.send("How do I reset my password?")
    second = visitor.send("How do I cancel my subscription?")
    assert first["ok"] and second["ok"]
    with llm_bot.app_context():  # the second's job runs first (the first's worker is slow)
        llmbot.answer_job(
            plugin_context(llm_bot, PLUGIN), visitor.conversation_id, second["message"]["id"]
        )
    (body,) = fake_llm.bodies
    assert body["messages"][-1]["content"].endswith(
        "Question:\nHow do I reset my password?\nHow do I cancel my subscription?"
    )
    answer = visitor.wait_for_reply()
    assert "Sources: [" in answer["text"]
    run_jobs(llm_bot)  # both queued jobs: the first is superseded, the second answered
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.3)
    assert len(fake_llm.bodies) == 1
    assert counters(llm_bot).get("superseded") == 1


class WorkerDied(Exception):
    """The job's worker stopping right after the hand-off note, before the answer."""


def test_a_rerun_after_the_note_posts_no_second_note(
    llm_bot: Any,
    fake_llm: FakeOpenAI,
    visitor_client: Any,
    agent_client: Any,
    chinwag_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refusal = {"status": "cannot_answer", "reason": "The passages are about passwords only."}
    fake_llm.reply = lambda body: json.dumps(refusal)
    agent = agent_client()
    visitor = visitor_client()
    mid = visitor.send("Does the reset password link expire?")["message"]["id"]
    post = llmbot.post_note_once

    def dying(*args: Any) -> int:
        post(*args)
        raise WorkerDied

    monkeypatch.setattr(llmbot, "post_note_once", dying)
    with llm_bot.app_context(), pytest.raises(WorkerDied):
        llmbot.answer_job(plugin_context(llm_bot, PLUGIN), visitor.conversation_id, mid)
    monkeypatch.undo()
    with pytest.raises(AssertionError):
        visitor.wait_for_reply(timeout=0.3)  # no answer yet
    run_jobs(llm_bot)  # the queued job: the re-run
    assert visitor.wait_for_reply()["text"] == llmbot.UNSUPPORTED
    (text,) = notes(chinwag_client, agent, visitor.conversation_id)
    assert "The passages are about passwords only." in text
    assert len(fake_llm.bodies) == 2


def test_an_answer_sent_from_the_job_is_rated_with_the_feedback_plugin(
    llm_bot: Any, visitor_client: Any, chinwag_client: Any, admin_token: str
) -> None:
    """Every answer can be rated: chinwag-feedback's thumbs on the job's answer (sent with
    ``ctx.answer``), counted against the article it cited (its card)."""
    enable_plugin(llm_bot, "chinwag-feedback")
    visitor = visitor_client()
    ask(llm_bot, visitor, "How do I reset my password?")
    answer = visitor.wait_for_reply()
    ack = visitor.emit(
        "feedback.rate",
        {
            "payload": {"value": "down"},
            "values": {},
            "message_id": answer["id"],
            "conversation_id": answer["conversation_id"],
        },
    )
    assert ack["ok"], ack
    auth = {"Authorization": f"Bearer {admin_token}"}
    res = chinwag_client.get("/api/v1/feedback/articles", headers=auth)
    assert res.status_code == 200, res.get_json()
    (row,) = res.get_json()["rows"]
    assert row["title"] == "Reset your password"
    assert (row["ratings"], row["thumbs_down"]) == (1, 1)

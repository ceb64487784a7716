"""The reply format the bot requires of the model, the links it strips, the prompt it sends,
and the HTTP client's bounds, against the local chat-completions server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chinwag_answerbot_llm import client, grounding, plugin
from chinwag_answerbot_llm.grounding import Passage
from llm_testkit import API_KEY
from openai_fake import FakeOpenAI

from chinwag.testing import free_port

PASSAGES = [
    Passage(1, "Reset your password", "http://x/reset", "Choose Forgot password.", 0.9),
    Passage(2, "Change your email", "http://x/email", "Open Settings.", 0.6),
]


def point(url: str, **changes: Any) -> plugin.Endpoint:
    base = {
        "base_url": url,
        "model": "test-model",
        "api_key": API_KEY,
        "timeout": 2.0,
        "temperature": 0.0,
        "max_tokens": 100,
        "json_mode": True,
    }
    return plugin.Endpoint(**{**base, **changes})


def test_an_answer_must_cite_passages_it_was_given() -> None:
    ok = grounding.judge(
        '```json\n{"status": "answered", "answer": "Choose it.", "sources": [2, 1, 2]}\n```',
        PASSAGES,
    )
    assert ok.status == "answered" and ok.answer == "Choose it."
    assert [p.article_id for p in ok.sources] == [2, 1]  # in the model's order, once each
    for bad in (
        '{"status": "answered", "answer": "x", "sources": [3]}',
        '{"status": "answered", "answer": "x", "sources": [true]}',
        '{"status": "answered", "answer": "x", "sources": "1"}',
        '{"status": "answered", "answer": "  ", "sources": [1]}',
        '{"status": "maybe", "answer": "x", "sources": [1]}',
        '{"status": "answered", "answer": "x"',
        "[1, 2]",
    ):
        assert grounding.judge(bad, PASSAGES).status == "invalid", bad
    refused = grounding.judge('{"status": "cannot_answer", "reason": "not covered"}', PASSAGES)
    assert (refused.status, refused.reason) == ("cannot_answer", "not covered")


def test_links_the_model_writes_are_removed() -> None:
    text = "See [our page](https://evil.example/x) or https://evil.example/y now ![i](http://z)"
    cleaned = grounding.clean_answer(text)
    assert "evil" not in cleaned and "http" not in cleaned
    assert cleaned.startswith("See our page or now")


def test_the_prompt_holds_the_instruction_the_passages_and_the_question_only() -> None:
    msgs = grounding.messages("Why?" * 400, PASSAGES)
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert msgs[0]["content"] == grounding.SYSTEM_PROMPT
    user = msgs[1]["content"]
    assert "[1] Reset your password\nChoose Forgot password." in user
    assert "[2] Change your email\nOpen Settings." in user
    assert user.endswith("Question:\n" + ("Why?" * 400)[: grounding.MAX_QUESTION])


def test_client_reads_choices_content_and_sends_a_valid_request() -> None:
    fake = FakeOpenAI(api_key=API_KEY, reply=lambda body: "hello").start()
    try:
        assert (
            client.complete(point(f"{fake.url}/v1"), grounding.messages("q", PASSAGES)) == "hello"
        )
        assert not fake.errors and len(fake.bodies) == 1
        plain = point(f"{fake.url}/v1", json_mode=False, api_key="")
        with pytest.raises(client.EndpointError) as err:  # the key is required here
            client.complete(plain, grounding.messages("q", PASSAGES))
        assert err.value.kind == "http" and "401" in err.value.detail
        assert fake.errors == ["Incorrect API key provided."]
        with pytest.raises(client.EndpointError) as err:  # a model it does not know
            client.complete(
                point(f"{fake.url}/v1", model="other"), [{"role": "user", "content": "q"}]
            )
        assert err.value.kind == "http" and "404" in err.value.detail
    finally:
        fake.stop()


def test_client_refuses_what_is_not_a_chat_completion(http_capture: Any) -> None:
    server = http_capture(lambda request: (200, {"choices": []}))
    with pytest.raises(client.EndpointError) as err:
        client.complete(point(f"{server.url}/v1"), [{"role": "user", "content": "q"}])
    assert err.value.kind == "malformed"
    down = point(f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(client.EndpointError) as err:
        client.complete(down, [{"role": "user", "content": "q"}])
    assert err.value.kind == "unreachable"
    assert API_KEY not in str(err.value) and API_KEY not in repr(down)


def test_the_timeout_is_the_configured_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model is called from a job, so the hook budget no longer caps the wait."""
    settings = {
        "base_url": "http://127.0.0.1:1/v1/",
        "model": "m",
        "api_key": "",
        "timeout": 30.0,
        "temperature": 0.2,
        "max_tokens": 50,
        "json_mode": True,
    }
    monkeypatch.setenv("CHINWAG_HOOK_TIMEOUT_MS", "2000")
    got = plugin.endpoint(settings)
    assert got is not None and got.timeout == 30.0 and got.base_url == "http://127.0.0.1:1/v1"
    assert plugin.endpoint({**settings, "base_url": ""}) is None
    assert json.dumps(client.request_body(got, [])).count("response_format") == 1


def test_earlier_turns_go_in_the_prompt_as_a_transcript() -> None:
    turns = [
        grounding.Turn("user", "How do I reset it?"),
        grounding.Turn("assistant", "Choose it."),
    ]
    msgs = grounding.messages("And then?", PASSAGES, turns)
    assert [m["role"] for m in msgs] == ["system", "user"]  # the model still answers in JSON
    user = msgs[1]["content"]
    assert f"{grounding.EARLIER}\nVisitor: How do I reset it?\nYou: Choose it.\n\nQuestion:" in user
    assert user.index("[2] Change your email") < user.index(grounding.EARLIER)
    assert grounding.EARLIER not in grounding.messages("q", PASSAGES)[1]["content"]

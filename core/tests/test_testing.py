"""``chinwag.testing`` as a plugin author uses it: no internals, nothing left in the working
directory, a fake clock the whole app follows, analytics captured."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from chinwag_plugin_api import InboundProcessor, MessageDraft

from chinwag.testing import FakeClock, dispose, make_app, register_plugin


def test_apps_write_nothing_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("CHINWAG_INSTANCE_PATH", raising=False)
    monkeypatch.delenv("CHINWAG_SECRET_KEY", raising=False)
    app = make_app(tmp_path / "instance")
    try:
        assert Path(app.instance_path) == tmp_path / "instance"
        assert list(work.iterdir()) == []  # no ./instance/secret_key any more
    finally:
        dispose(app)


def test_every_fixture_says_what_it_yields() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--fixtures", "-q", "-p", "no:cacheprovider", __file__],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    lines = out.split("fixtures defined from chinwag.testing", 1)[1].splitlines()[1:]
    section = lines[: next((i for i, x in enumerate(lines) if x.startswith("-----")), len(lines))]
    docs: dict[str, str] = {}
    for line in section:
        if line and not line.startswith(" "):
            name = line.split(" ")[0]
            docs[name] = ""
        elif line.strip():
            docs[name] += line.strip() + " "
    assert {"chinwag_app", "visitor_client", "agent_client", "analytics", "clock"} <= set(docs)
    for name, doc in docs.items():
        assert doc.startswith("->"), f"{name}: its docstring does not say what it yields: {doc}"


def test_clock_moves_the_whole_app(chinwag_app: Any, visitor_client: Any, clock: FakeClock) -> None:
    visitor = visitor_client()
    first = visitor.send("at the start")["message"]
    clock.advance(hours=2)
    later = visitor.send("two hours later")["message"]
    assert first["created_at"].startswith("2030-01-01T00:00")
    assert later["created_at"].startswith("2030-01-01T02:00")
    clock.set(datetime(2031, 6, 1, tzinfo=UTC))
    assert clock.now().year == 2031


class Tag(InboundProcessor):
    def process(self, draft: MessageDraft) -> MessageDraft:
        draft.annotations["tagged"] = True
        return draft


def test_analytics_are_captured_in_order(
    chinwag_app: Any, visitor_client: Any, agent_client: Any, analytics: Any
) -> None:
    register_plugin(chinwag_app, "tagger", Tag)
    agent = agent_client()
    visitor = visitor_client()
    ack = visitor.send("hello")
    # a processor's annotations are for agents: the agent's copy has them, the visitor's not
    assert ack["message"]["annotations"] is None
    seen = agent.wait_for("message.new", lambda d: d["message"]["id"] == ack["message"]["id"])
    assert seen["message"]["annotations"] == {"tagged": True}
    agent.send("hi, how can I help?", conversation_id=visitor.conversation_id)
    analytics.wait(5)
    assert sorted(analytics.names()) == [
        "conversation.first_response",
        "conversation.started",
        "message.sent",
        "message.sent",
        "widget.session_started",
    ]
    sent = analytics.of("message.sent")
    assert [e.properties["author_kind"] for e in sent] == ["visitor", "agent"]
    assert all(e.visitor_id == visitor.visitor_id for e in sent)
    # the agent heard the visitor's message live, and the visitor the agent's answer
    assert seen["message"]["text"] == "hello"
    assert visitor.wait_for_reply(author_kind="agent")["text"] == "hi, how can I help?"

"""The LLM bot in Chromium against a real server (``chinwag run``, jobs in process), keyboard
only: a visitor asks in the widget, the local chat-completions server takes 2.5 s (past the
2 s hook budget) and the answer arrives anyway, with the cited article's link and "Did that
answer your question?"; the visitor answers "No, it didn't help" and the bot hands off. axe-core
finds nothing in the widget after the answer and after the hand-off. A screenshot of the answer
is saved as ``answerbot-llm-answer.png`` in the test's temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from chinwag_answerbot import bot as classic
from chinwag_answerbot_llm import bot as llmbot
from llm_testkit import API_KEY, ARTICLES, PLUGIN
from openai_fake import FakeOpenAI

from chinwag.testing import (
    axe_violations,
    enable_live_plugins,
    live_admin_headers,
    open_chat_with_keyboard,
)

AXE = Path(__file__).resolve().parents[3] / "widget" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def slow_llm() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(api_key=API_KEY, delay=2.5).start()
    yield fake
    fake.stop()


@pytest.fixture
def llm_server(live_server: Any, slow_llm: FakeOpenAI) -> Any:
    if not AXE.exists():
        pytest.skip("the widget is not built (make widget)")
    server = live_server()
    auth = live_admin_headers(server)
    settings = {
        "base_url": f"{slow_llm.url}/v1",
        "model": slow_llm.model,
        "api_key": API_KEY,
        "timeout": 10.0,
    }
    enable_live_plugins(server, auth, {"chinwag-kb": {}, PLUGIN: settings})
    site = server.extra["site"]["id"]
    done = requests.post(
        f"{server.url}/api/v1/kb/import",
        json={"articles": [{**a, "sites": [site]} for a in ARTICLES]},
        headers=auth,
        timeout=60,
    )
    assert done.status_code == 200, done.text
    return server


def test_a_slow_model_answers_in_the_widget_and_no_hands_off(
    page: Any, llm_server: Any, slow_llm: FakeOpenAI, tmp_path: Path
) -> None:
    frame = open_chat_with_keyboard(page, llm_server.url)
    composer = frame.locator("#cw-input")
    composer.press_sequentially("How do I reset my password?", delay=20)
    offered = frame.get_by_role("listbox", name="Suggested articles")
    offered.wait_for()  # the knowledge base offers the article; the visitor asks anyway
    page.keyboard.press("Escape")
    offered.wait_for(state="detached")
    page.keyboard.press("Enter")
    frame.locator(".cw-mine", has_text="How do I reset my password?").wait_for()

    answer = frame.locator("li", has_text=classic.ASKED).last
    answer.wait_for(timeout=30_000)
    shown = answer.inner_text()
    assert "On the sign-in page choose Forgot password" in shown  # the model's answer
    link = frame.get_by_role("link", name="Reset your password").first
    assert str(link.get_attribute("href")).endswith("/reset-password")
    assert len(slow_llm.bodies) == 1 and not slow_llm.errors
    page.screenshot(path=str(tmp_path / "answerbot-llm-answer.png"), full_page=True)
    assert axe_violations(page, AXE.read_text()) == []

    no = frame.get_by_role("button", name=classic.NO).last
    no.focus()
    assert no.evaluate("button => button === document.activeElement")
    page.keyboard.press("Enter")
    frame.get_by_text(llmbot.HANDOFF).wait_for(timeout=20_000)
    assert len(slow_llm.bodies) == 1  # "no" needs no model
    assert axe_violations(page, AXE.read_text()) == []

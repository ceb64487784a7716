"""The bot's whole journey in Chromium against a real server, keyboard only: a visitor asks in
the widget, the bot answers from a knowledge-base article with its link and asks whether that
helped; the visitor answers "No, it didn't help" (the rating), the bot hands the conversation
to a person, and an agent signed in to the inbox finds it there with the bot's note. axe-core
finds nothing in the widget after the answer. A screenshot of the answer is saved as
``answerbot-answer.png`` and one of the inbox as ``answerbot-inbox.png`` in the test's
temporary folder (``--basetemp`` to keep them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from answerbot_testkit import ALWAYS_OPEN, ARTICLES

from chinwag.testing import (
    axe_violations,
    enable_live_plugins,
    live_admin_headers,
    open_chat_with_keyboard,
    sign_in_admin,
)

AXE = Path(__file__).resolve().parents[3] / "widget" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"


def _axe(page: Any) -> list[dict[str, Any]]:
    return axe_violations(page, AXE.read_text())


@pytest.fixture
def bot_server(live_server: Any) -> Any:
    if not AXE.exists():
        pytest.skip("the widget is not built (make widget)")
    server = live_server()
    auth = live_admin_headers(server)
    enable_live_plugins(
        server, auth, {"chinwag-kb": {}, "chinwag-answerbot": {"hours": ALWAYS_OPEN}}
    )
    site = server.extra["site"]["id"]
    done = requests.post(
        f"{server.url}/api/v1/kb/import",
        json={"articles": [{**a, "sites": [site]} for a in ARTICLES]},
        headers=auth,
        timeout=60,
    )
    assert done.status_code == 200, done.text
    return server


def _focused(frame: Any) -> str:
    return str(frame.evaluate("() => document.activeElement.textContent.trim()"))


def test_bot_answers_with_the_article_then_hands_off_to_the_inbox(
    page: Any, bot_server: Any, tmp_path: Path
) -> None:
    url = bot_server.url
    frame = open_chat_with_keyboard(page, url)
    composer = frame.locator("#cw-input")
    composer.press_sequentially("How do I reset my password?", delay=20)
    offered = frame.get_by_role("listbox", name="Suggested articles")
    offered.wait_for()  # the knowledge base offers the article before sending
    page.keyboard.press("Escape")
    offered.wait_for(state="detached")
    assert composer.input_value() == "How do I reset my password?"
    page.keyboard.press("Enter")
    frame.locator(".cw-mine", has_text="How do I reset my password?").wait_for()

    answer = frame.locator("li", has_text="Did that answer your question?").last
    answer.wait_for(timeout=20_000)
    shown = answer.inner_text()
    assert "reset link" in shown
    # the question comes after the article's card, just above its buttons
    assert shown.index("Forgot your password? Get a reset link") < shown.index("Did that answer")
    link = frame.get_by_role("link", name="Reset your password").first
    href = str(link.get_attribute("href"))
    assert href.endswith("/articles/reset-password")
    shared = requests.get(href, timeout=30)
    assert shared.status_code == 200 and "<h1>Reset your password</h1>" in shared.text
    page.screenshot(path=str(tmp_path / "answerbot-answer.png"), full_page=True)
    assert _axe(page) == []

    # the visitor says it did not help, with the keyboard
    no = frame.get_by_role("button", name="No, it didn't help").last
    no.focus()
    assert _focused(frame) == "No, it didn't help"
    page.keyboard.press("Enter")
    frame.get_by_text("I'm passing you to a person from our team").wait_for(timeout=20_000)
    assert _axe(page) == []

    # an agent finds the conversation in the inbox, with the bot's note
    agent = page.context.new_page()
    sign_in_admin(agent, url, "admin@example.com", PASSWORD)
    row = agent.locator("button.conv").first  # the only conversation
    row.wait_for(timeout=20_000)
    row.focus()
    agent.keyboard.press("Enter")
    note = agent.locator("li.note", has_text="Answer bot hand-off.")
    note.wait_for(timeout=20_000)
    text = note.inner_text()
    assert "How do I reset my password?" in text and "Reset your password" in text
    agent.locator("ol.messages", has_text="How do I reset my password?").wait_for()
    agent.screenshot(path=str(tmp_path / "answerbot-inbox.png"), full_page=True)

"""The visitor's journey in Chromium on a live server, keyboard only where it matters: rate a
bot answer down with a reason and a comment, end the chat, answer the 1-5 survey with a comment;
the admin's Reports page shows both; switched off, the thumbs leave the open widget and the page
and API are gone."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from chinwag.testing import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer, chat_frame, sign_in_admin

PLUGIN = "chinwag-feedback"

BOT = """
from chinwag_plugin_api import PluginInfo, Reply, Responder

INFO = PluginInfo(display_name="Feedback test bot", enabled_by_default=True)


class AnswerBot(Responder):
    def respond(self, ctx, conversation, message):
        return Reply(text="Your parcel is at the depot.")
"""


def _bot_path(root: Path) -> Path:
    """A bot installed the lightest way: a module and its dist-info on PYTHONPATH."""
    (root / "feedback_testbot.py").write_text(BOT)
    info = root / "chinwag_feedback_testbot-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: chinwag-feedback-testbot\nVersion: 0.0.0\n"
        "Requires-Dist: chinwag-plugin-api>=1.0,<2\n"
    )
    (info / "entry_points.txt").write_text(
        "[chinwag.plugins]\nfbtestbot = feedback_testbot:INFO\n\n"
        "[chinwag.responders]\nfbtestbot = feedback_testbot:AnswerBot\n"
    )
    return root


@pytest.fixture
def server(live_server: Callable[..., LiveServer], tmp_path: Path) -> LiveServer:
    """A live server (``live_server`` of ``chinwag.testing``) with the bot on its path."""
    path = tmp_path / "path"
    path.mkdir()
    return live_server(PYTHONPATH=str(_bot_path(path)))


def _token(server: Any) -> str:
    res = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        timeout=30,
    )
    assert res.status_code == 200, res.text
    return str(res.json()["access_token"])


def _toggle(server: Any, token: str, enabled: bool) -> None:
    res = requests.patch(
        f"{server.url}/api/v1/plugins/{PLUGIN}",
        json={"enabled": enabled},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert res.status_code == 200, res.text


def ask_the_bot(
    page: Any,
    url: str,
    question: str = "Where is my parcel?",
    thumbs: tuple[str, str] = ("Was this answer helpful?", "Not helpful"),
    locale: str | None = None,
    full_page: str | None = None,
) -> tuple[Any, Any, Any]:
    """A visitor (a new tab of ``page``'s context) opens the chat on /demo, in ``locale`` (the
    host page's ``setLocale``) if given, or the full-page chat of the site key ``full_page``
    (``/chat/<site_key>``), and asks; returns their page, the chat frame (the page itself on
    the full-page chat) and the bot's answer, once its thumbs (the form's name and the
    thumbs-down button's, in the site's language) are shown."""
    visitor = page.context.new_page()
    if full_page:
        visitor.goto(f"{url}/chat/{full_page}")
        frame = visitor
    else:
        visitor.goto(f"{url}/demo")
        if locale:
            visitor.evaluate("(locale) => Chinwag('setLocale', locale)", locale)
        visitor.locator("chinwag-widget button.l").click()
        frame = chat_frame(visitor, timeout=60)
    frame.fill("#cw-input", question)
    frame.press("#cw-input", "Enter")
    answer = frame.locator(".cw-theirs", has_text="Your parcel is at the depot.")
    form = answer.get_by_role("form", name=thumbs[0])
    form.get_by_role("button", name=thumbs[1]).wait_for(timeout=30_000)
    return visitor, frame, answer


def _eventually(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_rate_down_end_chat_answer_survey_and_see_the_report(page: Any, server: Any) -> None:
    token = _token(server)
    _toggle(server, token, True)
    url = server.url

    # the visitor asks; the bot answers; thumbs sit under the answer in a labelled form
    visitor, frame, answer = ask_the_bot(page, url)
    form = answer.get_by_role("form", name="Was this answer helpful?")

    # keyboard: Tab from Helpful to Not helpful, Space presses it; focus lands on the reasons
    form.get_by_role("button", name="Helpful", exact=True).focus()
    visitor.keyboard.press("Tab")
    visitor.keyboard.press("Space")
    reasons = form.get_by_role("group", name="What went wrong?")
    reasons.wait_for()
    frame.wait_for_function(
        "() => document.activeElement && document.activeElement.type === 'radio'"
    )
    visitor.keyboard.press("Space")  # the first reason, "Wrong answer", submits at once
    comment = form.get_by_role("textbox", name="Anything to add? (optional)")
    comment.wait_for()
    assert form.get_by_text("Reason: Wrong answer").is_visible()
    # focus moves on to the comment by itself (no click, no script of the test)
    frame.wait_for_function(
        "() => document.activeElement && document.activeElement.tagName === 'TEXTAREA'"
    )
    assert comment.evaluate("el => el === document.activeElement")
    visitor.keyboard.type("The depot closed last year")
    visitor.keyboard.press("Tab")
    visitor.keyboard.press("Enter")
    form.get_by_role("status").filter(has_text="Thanks, we will do better.").wait_for()

    # the visitor ends the chat; the survey card asks, 1-5 stars, with a comment
    frame.get_by_role("button", name="End conversation").click()
    frame.get_by_role("button", name="End it").click()
    card = frame.get_by_role("region", name="How would you rate this conversation?")
    card.wait_for(timeout=30_000)
    stars = card.get_by_role("group", name="Your rating")
    assert stars.get_by_role("radio").count() == 5
    stars.get_by_role("radio").first.focus()
    for _ in range(3):
        visitor.keyboard.press("ArrowDown")  # 4 of 5
    assert stars.get_by_role("radio", name="★★★★ 4 of 5").is_checked()
    card.get_by_role("textbox", name="Anything you would like to tell us?").fill("Kind, but slow")
    card.get_by_role("button", name="Send").press("Enter")
    card.get_by_text("Thank you for your feedback!").wait_for()

    # the admin's Reports page shows both, with the filters in the URL
    admin = page
    sign_in_admin(admin, url)
    admin.goto(f"{url}/admin/plugins/{PLUGIN}/reports?q=depot")
    report = admin.locator(".feedback-reports")
    report.wait_for()
    assert report.locator('[data-metric="csat"]').inner_text() == "100%"
    assert "1 of 1 surveys" in report.locator('[data-metric="response_rate"]').inner_text()
    downs = admin.get_by_role("table", name="Answers rated down")
    assert "Your parcel is at the depot." in downs.inner_text()
    assert "wrong: 1" in downs.inner_text()
    notes = admin.get_by_role("table", name="Comments matching “depot”")
    assert "The depot closed last year" in notes.inner_text()
    assert "Kind, but slow" not in notes.inner_text()
    assert admin.get_by_role("table", name="CSAT by day (table view)").is_visible()
    assert admin.get_by_label("Search comments").input_value() == "depot"
    link = notes.get_by_role("link").first.get_attribute("href")
    assert link and link.startswith("/admin/?c=")

    # switched off: the thumbs leave the open widget, the page and the API are gone
    _toggle(server, token, False)
    _eventually(lambda: answer.get_by_role("form", name="Was this answer helpful?").count() == 0)
    res = requests.get(
        f"{url}/api/v1/feedback/summary", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert res.status_code == 404
    admin.goto(f"{url}/admin/plugins/{PLUGIN}/reports")
    admin.get_by_role("alert").wait_for()
    assert admin.locator(".feedback-reports").count() == 0
    nav = admin.locator("#nav")
    assert nav.get_by_role("link", name="Feedback reports").count() == 0

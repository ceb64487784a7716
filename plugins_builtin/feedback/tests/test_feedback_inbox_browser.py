"""The agent's side, live, in Chromium: an admin has the conversation open in the inbox while
the visitor, on the site's full-page chat (``/chat/<site_key>``, the shareable link, not the
embedded widget), rates the bot's answer down with a reason and then answers the survey; both
appear in the open inbox (list row, thread header, under the rated message) without a
reload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_feedback_browser import _bot_path, _toggle, _token, ask_the_bot

from chinwag.testing import LiveServer, sign_in_admin

ANSWER = "Your parcel is at the depot."


@pytest.fixture
def server(live_server: Callable[..., LiveServer], tmp_path: Path) -> LiveServer:
    path = tmp_path / "path"
    path.mkdir()
    return live_server(PYTHONPATH=str(_bot_path(path)))


def test_the_agent_sees_the_rating_and_the_survey_answer_live(page: Any, server: Any) -> None:
    url = server.url
    _toggle(server, _token(server), True)

    # the visitor asks on the full-page chat and the bot answers
    key = server.extra["site"]["site_key"]
    visitor, frame, answer = ask_the_bot(page, url, full_page=key)
    assert visitor.url == f"{url}/chat/{key}" and visitor.locator("chinwag-widget").count() == 0
    form = answer.get_by_role("form", name="Was this answer helpful?")

    # the admin opens the conversation in the inbox (keyboard: focus the row, Enter)
    admin = page
    sign_in_admin(admin, url)
    admin.locator("#connection", has_text="Live").wait_for(timeout=30_000)
    row = admin.locator("button.conv").first
    row.wait_for()
    row.focus()
    admin.keyboard.press("Enter")
    rated = admin.locator("ol.messages li.msg", has_text=ANSWER)
    rated.wait_for()
    header = admin.locator(".conv-header .conv-annotations")
    assert header.locator(".annotation").count() == 0
    admin.evaluate("window.__sameDocument = true")  # gone if the inbox reloaded

    # the visitor rates the answer down with a reason: the open inbox shows it at once
    form.get_by_role("button", name="Not helpful").click()
    form.get_by_role("group", name="What went wrong?").get_by_role(
        "radio", name="Wrong answer"
    ).check()
    form.get_by_text("Reason: Wrong answer").wait_for()
    chip = "Negative: 👎 Not helpful: Wrong answer"
    rated.locator(".msg-annotations .annotation", has_text=chip).wait_for(timeout=15_000)
    header.locator(".annotation", has_text=chip).wait_for()
    row.locator(".annotation", has_text="Not helpful").wait_for()

    # the visitor ends the chat and answers the survey: the CSAT chip joins, still no reload
    frame.get_by_role("button", name="End conversation").click()
    frame.get_by_role("button", name="End it").click()
    card = frame.get_by_role("region", name="How would you rate this conversation?")
    card.wait_for(timeout=30_000)
    card.get_by_role("group", name="Your rating").get_by_role("radio", name="★★★★ 4 of 5").check()
    card.get_by_role("textbox", name="Anything you would like to tell us?").fill("Kind, but slow")
    card.get_by_role("button", name="Send").click()
    card.get_by_text("Thank you for your feedback!").wait_for()
    csat = header.locator(".annotation", has_text="Positive: CSAT 4/5")
    csat.wait_for(timeout=15_000)
    assert header.locator(".annotation", has_text=chip).count() == 1  # both stay
    assert admin.evaluate("window.__sameDocument === true")

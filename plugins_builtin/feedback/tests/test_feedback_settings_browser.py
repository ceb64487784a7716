"""An admin configures the survey (CSAT) in the admin's plugin settings, keyboard only, in
Chromium on a live server: the scale chosen in its list (NPS) and one site's own question in the
per-site JSON editor, a wrong per-site field refused beside the field before anything is saved;
then a visitor of that site who ends the chat is asked that question on an 11-point scale."""

from __future__ import annotations

import json
from typing import Any

import requests
from test_feedback_browser import PLUGIN, _toggle, _token, ask_the_bot
from test_feedback_browser import server as server  # the live server with the test bot

from chinwag.testing import sign_in_admin

QUESTION = "How likely are you to recommend us?"


def test_an_admin_sets_the_scale_and_a_sites_question_with_the_keyboard(
    page: Any, server: Any
) -> None:
    token = _token(server)
    _toggle(server, token, True)
    site_id = server.extra["site"]["id"]
    sign_in_admin(page, server.url, path="/admin/plugins")
    card = page.locator(f"section[data-plugin='{PLUGIN}']")

    scale = card.get_by_label("Scale", exact=True)
    assert scale.input_value() == "stars"
    scale.focus()
    for _ in range(3):  # stars, faces, thumbs, nps: the list's order
        page.keyboard.press("ArrowDown")
    assert scale.input_value() == "nps"

    sites = card.get_by_label("Sites", exact=True)
    sites.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(json.dumps({str(site_id): {"scael": "faces"}}))
    error = card.locator("[data-error-for=sites]")
    assert "scael: unknown field." in error.inner_text()
    assert sites.get_attribute("aria-invalid") == "true"
    page.keyboard.press("Control+A")
    page.keyboard.type(json.dumps({str(site_id): {"questions": {"en": QUESTION}}}))
    assert error.inner_text() == "" and sites.get_attribute("aria-invalid") is None
    page.keyboard.press("Tab")
    save = card.get_by_role("button", name="Save settings")
    assert save.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Saved settings of Feedback").wait_for()

    stored = requests.get(
        f"{server.url}/api/v1/plugins/{PLUGIN}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()["settings"]
    assert stored["scale"] == "nps"
    assert stored["sites"] == {str(site_id): {"questions": {"en": QUESTION}}}

    visitor, frame, _answer = ask_the_bot(page, server.url)
    frame.get_by_role("button", name="End conversation").click()
    frame.get_by_role("button", name="End it").click()
    survey = frame.get_by_role("region", name=QUESTION)
    survey.wait_for(timeout=30_000)
    assert survey.get_by_role("group", name="Your rating").get_by_role("radio").count() == 11
    visitor.close()

"""A German visitor (the host page's locale de-DE) of an English site rates a bot answer down in
Chromium, keyboard only: the thumbs, the site's German reasons and every reply of the rating are
in German; axe finds nothing; the rating's reason is the code the site gave, whatever the
language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from test_feedback_browser import PLUGIN, _token, ask_the_bot
from test_feedback_browser import server as server  # the live server with the test bot

from chinwag.testing import axe_violations

AXE = Path(__file__).resolve().parents[3] / "widget" / "node_modules" / "axe-core" / "axe.min.js"
GERMAN = {"falsch": "Falsche Antwort", "langsam": "Zu langsam"}


def test_a_german_visitor_rates_down_in_german(chromium: Any, server: Any) -> None:
    token = _token(server)
    # an English site (default_locale en): the thumbs' names are the visitor's language too
    settings = {
        "reasons": {"de": GERMAN, "en": {"falsch": "Wrong answer", "langsam": "Too slow"}},
    }
    res = requests.patch(
        f"{server.url}/api/v1/plugins/{PLUGIN}",
        json={"enabled": True, "settings": settings},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert res.status_code == 200, res.text

    context = chromium.new_context(locale="de-DE")
    try:
        thumbs = ("War diese Antwort hilfreich?", "Nicht hilfreich")
        start = context.new_page()
        visitor, frame, answer = ask_the_bot(
            start, server.url, "Wo ist mein Paket?", thumbs, locale="de-DE"
        )
        form = answer.get_by_role("form", name=thumbs[0])
        assert axe_violations(visitor, AXE.read_text()) == []

        # keyboard: Tab from Hilfreich to Nicht hilfreich, Space presses it
        form.get_by_role("button", name="Hilfreich", exact=True).focus()
        visitor.keyboard.press("Tab")
        visitor.keyboard.press("Space")
        reasons = form.get_by_role("group", name="Was war falsch?")
        reasons.wait_for()
        # a screen reader hears which thumb is down (aria-pressed), beside the reasons
        assert form.get_by_role("button", name="Nicht hilfreich", pressed=True).count() == 1
        assert form.get_by_role("button", name="Hilfreich", exact=True, pressed=False).count() == 1
        assert [r.get_attribute("value") for r in reasons.get_by_role("radio").all()] == list(
            GERMAN
        )
        assert reasons.get_by_role("radio", name="Zu langsam").count() == 1
        frame.wait_for_function(
            "() => document.activeElement && document.activeElement.type === 'radio'"
        )
        visitor.keyboard.press("Space")  # the first reason submits at once
        comment = form.get_by_role("textbox", name="Möchten Sie etwas ergänzen? (optional)")
        comment.wait_for()
        assert form.get_by_text("Grund: Falsche Antwort").is_visible()
        # focus moves on to the comment by itself: a keyboard or screen-reader user goes on
        frame.wait_for_function(
            "() => document.activeElement && document.activeElement.tagName === 'TEXTAREA'"
        )
        assert comment.evaluate("el => el === document.activeElement")
        visitor.keyboard.type("Das Lager ist zu")
        visitor.keyboard.press("Tab")
        send = form.get_by_role("button", name="Feedback senden")
        assert send.evaluate("el => el === document.activeElement")
        visitor.keyboard.press("Enter")
        form.get_by_role("status").filter(has_text="Danke, wir werden es besser machen.").wait_for()
        assert axe_violations(visitor, AXE.read_text()) == []
    finally:
        context.close()

    rows = requests.get(
        f"{server.url}/api/v1/feedback?type=rating",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()["items"]
    assert [(r["value"], r["reason"], r["comment"], r["locale"]) for r in rows] == [
        ("down", "falsch", "Das Lager ist zu", "de-DE")
    ]

"""The admin's canned-response editor in Debian's Chromium: saving a reply with an image
without a description and a "click here" link, from the keyboard only, shows chinwag-a11y's
advice under the editor in a polite live region; the reply is saved all the same and axe-core
finds nothing on the page."""

from __future__ import annotations

from typing import Any

import pytest
from test_a11y_browser import AXE, axe_violations, sign_in

pytestmark = pytest.mark.browser


def test_canned_editor_shows_advice_from_the_keyboard(live_server: Any, page: Any) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make widget)")
    server = live_server()
    sign_in(page, server.url)
    page.goto(f"{server.url}/admin/canned")
    page.locator("body[data-ready=true]").wait_for()
    page.get_by_label("Shortcut").focus()
    page.keyboard.type("sizes")
    page.keyboard.press("Tab")
    page.keyboard.type("Size chart")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "text"
    page.keyboard.type(
        "See ![](https://shop.example/size.png) or [click here](https://shop.example/faq)."
    )
    page.keyboard.press("Tab")  # the site
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Add canned response"
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Added /sizes").wait_for()
    advice = page.locator("[data-advice]")
    assert advice.get_attribute("aria-live") == "polite"
    advice.locator("li[data-code=missing_alt]", has_text="Problem: 1.1.1").wait_for()
    link = advice.locator("li[data-code=vague_link]")
    assert "Warning: 2.4.4" in link.inner_text() and "click here" in link.inner_text()
    assert "Advice on /sizes (saved" in advice.inner_text()
    page.locator("tr[data-canned=sizes]").wait_for()  # never blocking: saved
    violations = axe_violations(page)
    assert violations == [], violations
    # a clean reply clears the advice
    page.get_by_label("Shortcut").fill("faq")
    page.get_by_label("Title").fill("FAQ")
    page.get_by_label("Text", exact=True).fill(
        "Our [questions and answers](https://shop.example/faq)."
    )
    page.get_by_label("Text", exact=True).press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Added /faq").wait_for()
    advice.locator("li").first.wait_for(state="detached")

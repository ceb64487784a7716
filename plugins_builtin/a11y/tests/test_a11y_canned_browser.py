"""The admin's canned-response editor in Debian's Chromium: saving a reply with an image
without a description and a "click here" link, from the keyboard only, shows chinwag-a11y's
advice under the editor in a polite live region; the reply is saved all the same and axe-core
finds nothing on the page. Editing a reply (Edit from the keyboard) shows the advice live, as
the text is typed, before any save. chinwag-kb's article Save shows the advice on the saved
article back on the admin page, as Preview does."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from test_a11y_browser import AXE, axe_violations

from chinwag.testing import sign_in_admin

pytestmark = pytest.mark.browser


def test_canned_editor_shows_advice_from_the_keyboard(live_server: Any, page: Any) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make widget)")
    server = live_server()
    sign_in_admin(page, server.url)
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
    page.keyboard.press("Tab")  # the team
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
    page.get_by_label("Text", exact=True).press("Tab")  # the site
    page.keyboard.press("Tab")  # the team
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Added /faq").wait_for()
    advice.locator("li").first.wait_for(state="detached")


def _tab_to(page: Any, name: str, key: str = "Tab", limit: int = 40) -> None:
    """Press Tab (or ``key``) until the focused element's name is ``name`` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press(key)
        found = page.evaluate(
            "() => document.activeElement.getAttribute('aria-label')"
            " || document.activeElement.textContent.trim()"
        )
        if found == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_canned_edit_shows_advice_live_from_the_keyboard(live_server: Any, page: Any) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make widget)")
    server = live_server()
    sign_in_admin(page, server.url)
    page.goto(f"{server.url}/admin/canned")
    page.locator("body[data-ready=true]").wait_for()
    page.get_by_label("Shortcut").fill("faq")
    page.get_by_label("Title").fill("FAQ")
    page.get_by_label("Text", exact=True).fill("Our [answers](https://shop.example/faq).")
    page.get_by_role("button", name="Add canned response").press("Enter")
    page.locator("tr[data-canned=faq]").wait_for()
    page.get_by_label("Shortcut").focus()
    _tab_to(page, "Edit /faq", "Shift+Tab")  # the table comes before the form
    page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Edit /faq").is_visible()
    assert page.evaluate("() => document.activeElement.name") == "shortcut"
    assert page.get_by_label("Title").input_value() == "FAQ"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "text"
    page.keyboard.press("End")
    page.keyboard.type(" More: [click here](https://shop.example/more)")
    advice = page.locator("[data-advice]")
    # live: before any save
    link = advice.locator("li[data-code=vague_link]")
    link.wait_for()
    assert "Advice on this text (nothing stops you saving)" in advice.inner_text()
    assert "Warning: 2.4.4" in link.inner_text()
    assert "click here" not in page.locator("tr[data-canned=faq]").inner_text()  # not saved
    assert axe_violations(page) == []
    page.keyboard.type(".")  # still vague: the advice stays (announced once, not again)
    page.keyboard.press("Tab")  # the site
    page.keyboard.press("Tab")  # the team
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Save changes"
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Saved /faq").wait_for()
    page.locator("tr[data-canned=faq]", has_text="click here").wait_for()  # the table reloads
    assert "Advice on /faq (saved" in advice.inner_text()
    # focus returns to the row's Edit button; the form is back to adding
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Edit /faq"
    assert page.get_by_role("heading", name="Add a canned response").is_visible()
    # Edit, then Cancel: nothing changes, focus back on Edit
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Edit /faq").wait_for()
    _tab_to(page, "Cancel editing")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Edit cancelled.").wait_for()
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Edit /faq"
    assert page.get_by_role("button", name="Cancel editing").is_hidden()
    assert axe_violations(page) == []


def test_kb_save_shows_the_advice_from_the_keyboard(live_server: Any, page: Any) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make widget)")
    server = live_server()
    sign_in_admin(page, server.url)
    page.goto(f"{server.url}/admin/plugins/chinwag-kb/articles")
    new = page.get_by_role("region", name="New article")
    new.get_by_label("Title").wait_for()
    new.get_by_label("Title").focus()
    page.keyboard.type("Returns")
    page.keyboard.press("Tab")  # the slug (empty: made from the title)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "summary"
    page.keyboard.type("How to return a parcel.")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "body"
    page.keyboard.type("Print the label ![](https://shop.example/label.png) and go.")
    _tab_to(page, "Save")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/plugins/chinwag-kb/articles?saved=*")
    saved = page.locator(".kb-saved[role=status]")
    saved.get_by_text("Saved “Returns”.").wait_for()
    section = saved.get_by_role("region", name="Advice on this article")
    assert "Problem: 1.1.1" in section.inner_text()
    assert page.locator("details[open] summary").inner_text().startswith("Returns")
    assert axe_violations(page) == []


def test_plugin_settings_save_shows_advice_on_proactive_messages(
    live_server: Any, page: Any
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make widget)")
    server = live_server()
    token = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=10,
    ).json()["access_token"]
    pages = [{"url": "/pricing", "questions": ["How much does it cost?"]}]
    res = requests.patch(
        f"{server.url}/api/v1/plugins/chinwag-suggest",
        json={"enabled": True, "settings": {"pages": pages}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    sign_in_admin(page, server.url)
    page.goto(f"{server.url}/admin/plugins")
    intro = page.get_by_label("Page intro")
    intro.wait_for()
    intro.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("READ THE QUESTIONS PEOPLE ASK HERE")
    _tab_to(page, "Save settings")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Saved settings of Suggestions.").wait_for()
    advice = page.locator("[data-proactive-advice]")
    assert advice.get_attribute("aria-live") == "polite"
    item = advice.locator("li[data-rule]", has_text="READ THE QUESTIONS PEOPLE ASK HERE")
    item.locator("li[data-code=all_caps]").wait_for()
    assert "Suggestion:" in item.inner_text()
    assert advice.get_by_role("heading", name="Advice on the proactive messages of Suggestions")
    assert axe_violations(page) == []
    # saved all the same
    got = requests.get(
        f"{server.url}/api/v1/plugins/chinwag-suggest",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert got["settings"]["page_intro"] == "READ THE QUESTIONS PEOPLE ASK HERE"

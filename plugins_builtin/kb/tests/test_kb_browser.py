"""The visitor's journey in Chromium against a real server: typing "reset password" offers the
matching article before anything is sent; the Help tab, opened with the keyboard, searches and
reads the article; axe-core finds nothing in either state. One live server for the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from chinwag_kb.frontmatter import load_folder
from kb_testkit import SAMPLE

from chinwag.testing import axe_violations, chat_frame

AXE = Path(__file__).resolve().parents[3] / "widget" / "node_modules" / "axe-core" / "axe.min.js"


def _axe(page: Any) -> list[dict[str, Any]]:
    return axe_violations(page, AXE.read_text())


@pytest.fixture
def kb_server(live_server: Any) -> Any:
    if not AXE.exists():
        pytest.skip("the widget is not built (make widget)")
    server = live_server()
    res = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=30,
    )
    token = res.json()["access_token"]
    site = server.extra["site"]["id"]
    articles = [{**a, "sites": [site]} for a in load_folder(SAMPLE)]
    done = requests.post(
        f"{server.url}/api/v1/kb/import",
        json={"articles": articles},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert done.status_code == 200, done.text
    return server


def _wait_focused(frame: Any, text: str) -> None:
    """Wait until the frame's focused element reads ``text`` (focus may move a frame later)."""
    frame.wait_for_function(
        "(text) => document.activeElement && document.activeElement.textContent.trim() === text",
        arg=text,
    )


def test_visitor_sees_the_article_while_typing_and_reads_it_in_help(
    page: Any, kb_server: Any
) -> None:
    page.goto(f"{kb_server.url}/demo")
    launcher = page.locator("chinwag-widget button.l")
    launcher.focus()
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    composer = frame.locator("#cw-input")
    composer.press_sequentially("reset password", delay=20)
    listbox = frame.get_by_role("listbox", name="Suggested articles")
    listbox.wait_for()
    options = listbox.get_by_role("option")
    assert options.first.inner_text().startswith("Reset your password")
    assert 1 <= options.count() <= 3
    status = frame.locator(".cw-assist [role=status]")
    assert "suggestion" in status.inner_text()
    assert frame.locator(".cw-mine").count() == 0  # offered before anything is sent
    frame.page.keyboard.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    assert _axe(page) == []
    frame.page.keyboard.press("Escape")
    listbox.wait_for(state="detached")

    # the Help tab, with the keyboard only
    help_tab = frame.get_by_role("navigation", name="Sections").get_by_role("button", name="Help")
    help_tab.focus()
    frame.page.keyboard.press("Enter")
    assert help_tab.get_attribute("aria-current") == "page"
    panel = frame.get_by_role("region", name="Help")
    panel.get_by_role("list", name="Help articles").wait_for()
    search = panel.get_by_role("textbox", name="Search the help articles")
    search.focus()
    frame.page.keyboard.type("pasword reset")
    frame.page.keyboard.press("Enter")
    found = panel.get_by_role("list", name="Articles matching “pasword reset”")
    found.wait_for()
    item = found.get_by_role("button", name="Reset your password")
    item.focus()
    frame.page.keyboard.press("Enter")
    panel.get_by_role("heading", name="Reset your password").wait_for()
    assert panel.get_by_text("We email you a reset link within a minute.").is_visible()
    _wait_focused(frame, "Open as a page")  # focus moved into the article
    assert _axe(page) == []
    link = panel.get_by_role("link", name="Open as a page: Reset your password (new tab)")
    shared = requests.get(str(link.get_attribute("href")), timeout=30)
    assert shared.status_code == 200 and "<h1>Reset your password</h1>" in shared.text
    frame.page.keyboard.press("Tab")
    _wait_focused(frame, "Back to articles")
    frame.page.keyboard.press("Enter")
    panel.get_by_role("list", name="Help articles").wait_for()

"""Per-page chips in Chromium on a live server: the chips differ on /pricing and /docs, sit in
the polite log under their intro line, are reached with Tab and the arrow keys, and Enter on one
sends its text as the visitor's message, which the plugin counts as a pick of a shown chip;
axe-core finds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from chinwag.testing import axe_violations, chat_frame

AXE = Path(__file__).resolve().parents[3] / "widget" / "node_modules" / "axe-core" / "axe.min.js"
INTRO = "Popular questions on this page:"
PRICING = ["How much does it cost?", "Is there a free plan?"]
DOCS = ["Where is the API reference?", "How do I install it?"]


def _axe(page: Any) -> list[dict[str, Any]]:
    return axe_violations(page, AXE.read_text())


@pytest.fixture
def chips_server(live_server: Any) -> Any:
    if not AXE.exists():
        pytest.skip("the widget is not built (make widget)")
    server = live_server()
    token = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=30,
    ).json()["access_token"]
    pages = [
        {"url": "/pricing", "match": "prefix", "questions": PRICING},
        {"url": "/docs*", "questions": DOCS},
    ]
    res = requests.patch(
        f"{server.url}/api/v1/plugins/chinwag-suggest",
        json={"enabled": True, "settings": {"pages": pages}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert res.status_code == 200, res.text
    server.extra["admin_token"] = token
    return server


def _host_pages(page: Any, server: Any) -> None:
    """/pricing and /docs on the site's origin: the demo page's HTML (the widget's snippet)."""
    html = requests.get(f"{server.url}/demo", timeout=30).text
    for path in ("/pricing", "/docs"):
        page.route(
            f"{server.url}{path}",
            lambda route: route.fulfill(status=200, content_type="text/html", body=html),
        )


def _open_chips(page: Any, url: str) -> tuple[Any, Any]:
    page.goto(url)
    launcher = page.locator("chinwag-widget button.l")
    launcher.focus()
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    # in the log (a polite live region): announced as they arrive
    group = frame.get_by_role("log").get_by_role("group", name=INTRO)
    group.wait_for()
    return frame, group


def _focused(frame: Any) -> str:
    return str(frame.evaluate("() => document.activeElement.textContent.trim()"))


def test_chips_differ_on_pricing_and_docs(page: Any, chips_server: Any) -> None:
    _host_pages(page, chips_server)
    frame, group = _open_chips(page, f"{chips_server.url}/pricing")
    assert group.get_by_role("button").all_inner_texts() == PRICING
    assert frame.get_by_role("button", name=DOCS[0]).count() == 0
    assert frame.get_by_role("log").get_attribute("aria-live") == "polite"
    assert _axe(page) == []

    # keyboard: Tab reaches a chip, the arrows move between chips, Enter sends one
    first = group.get_by_role("button", name=PRICING[0])
    first.focus()
    page.keyboard.press("Tab")
    assert _focused(frame) == PRICING[1]
    page.keyboard.press("ArrowLeft")
    assert _focused(frame) == PRICING[0]
    page.keyboard.press("ArrowDown")
    assert _focused(frame) == PRICING[1]
    page.keyboard.press("Enter")
    frame.locator(".cw-mine", has_text=PRICING[1]).wait_for()
    assert group.get_by_role("button", name=PRICING[1]).get_attribute("aria-disabled") == "true"
    assert _axe(page) == []
    # the widget told the plugin: both chips shown, the one picked clicked (Rule.event)
    counts = page.wait_for_function(
        """async ([token, texts]) => {
            const res = await fetch("/api/v1/plugins/chinwag-suggest/suggestions",
                                    {headers: {Authorization: `Bearer ${token}`}});
            const rows = Object.fromEntries((await res.json()).map((r) => [r.text, r]));
            const got = texts.map((t) => rows[t] ? [rows[t].shown, rows[t].clicked] : null);
            return got[1] && got[1][1] === 1 ? got : false;
        }""",
        arg=[chips_server.extra["admin_token"], PRICING],
    ).json_value()
    assert counts == [[1, 0], [1, 1]]

    # another visitor on /docs (a fresh browser context: the first one's chat reopens by itself)
    docs = page.context.browser.new_context().new_page()
    try:
        _host_pages(docs, chips_server)
        frame, group = _open_chips(docs, f"{chips_server.url}/docs")
        assert group.get_by_role("button").all_inner_texts() == DOCS
        assert frame.get_by_role("button", name=PRICING[0]).count() == 0
        assert _axe(docs) == []
    finally:
        docs.context.close()

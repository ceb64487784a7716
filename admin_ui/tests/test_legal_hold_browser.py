"""Legal hold from the agent workspace, in Debian's Chromium against a real server: an admin
puts the open conversation on hold and releases it from the conversation panel with the
keyboard alone; the header and the panel show the badge, the API and the audit log agree."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from admin_axe import axe_violations
from test_inbox_browser import Visitor, focused

pytestmark = pytest.mark.browser

SignIn = Callable[..., None]


def test_an_admin_sets_and_releases_a_legal_hold_with_the_keyboard(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Any
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    token = api_token(url)
    auth = {"Authorization": f"Bearer {token}"}
    visitor = Visitor(url, site)
    try:
        visitor.say("Please keep this: it is about a dispute")
        conv = visitor.conversation_id
        sign_in(page, url, "admin@example.com")
        row = page.locator("button.conv").first
        row.wait_for()
        row.focus()
        page.keyboard.press("Enter")
        page.locator("ol.messages li.visitor").first.wait_for()

        panel = page.get_by_role("complementary", name="Visitor")
        toggle = panel.get_by_role("button", name="Legal hold")
        panel.get_by_text("Not on legal hold").wait_for()
        assert toggle.get_attribute("aria-pressed") == "false"
        header = page.locator(".conv-header")
        assert header.locator(".badge", has_text="legal hold").count() == 0

        # keyboard only: the reason, Tab to the toggle, Space presses it
        panel.get_by_label("Reason").focus()
        page.keyboard.type("Dispute 2026-118")
        page.keyboard.press("Tab")
        assert focused(page) == "hold-toggle"
        page.keyboard.press("Space")
        panel.get_by_role("status").filter(has_text=re.compile(r"^On legal hold")).wait_for()
        assert toggle.get_attribute("aria-pressed") == "true"
        assert "Dispute 2026-118" in panel.locator(".hold-state").inner_text()
        header.locator(".badge", has_text="legal hold").wait_for()
        assert focused(page) == "hold-toggle"  # focus stays where the admin pressed
        violations = axe_violations(page, axe_source)
        assert violations == [], f"axe on the held conversation: {violations}"

        hold = requests.get(
            f"{url}/api/v1/conversations/{conv}/legal-hold", headers=auth, timeout=10
        ).json()
        assert hold["held"] is True and hold["reason"] == "Dispute 2026-118"

        # Enter releases it
        page.keyboard.press("Enter")
        panel.get_by_role("status").filter(has_text="Not on legal hold").wait_for()
        assert toggle.get_attribute("aria-pressed") == "false"
        header.locator(".hold-badge").first.wait_for(state="hidden")
        hold = requests.get(
            f"{url}/api/v1/conversations/{conv}/legal-hold", headers=auth, timeout=10
        ).json()
        assert hold["held"] is False

        entries = requests.get(
            f"{url}/api/v1/audit?action=conversation.legal_hold", headers=auth, timeout=10
        ).json()["entries"]
        assert [(e["target_id"], e["details"]["held"]) for e in entries] == [
            (str(conv), False),
            (str(conv), True),
        ]
        assert all(e["actor"] == "admin@example.com" for e in entries)
    finally:
        visitor.close()

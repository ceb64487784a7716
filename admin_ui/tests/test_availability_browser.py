"""Agent availability, the Users page's teams and a conversation's team, in Debian's Chromium
against a real ``chinwag run``: the admin sets *Away* by keyboard in the inbox header and a
visitor's chat says "We're away — leave a message"; the admin gives a user a team on the Users
page by keyboard; a team change of the open conversation appears live in the inbox; axe finds
nothing on each view."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from admin_axe import axe_violations
from test_browser import PASSWORD, SignIn, ready, wait_until
from test_inbox_browser import Visitor

pytestmark = pytest.mark.browser

ONLINE = "Typically replies in a few minutes"
AWAY = "We're away — leave a message"


def _admin_headers(url: str) -> dict[str, str]:
    res = requests.post(
        f"{url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": PASSWORD},
        timeout=10,
    )
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def _visitor_sees(
    chromium: Any, url: str, site_key: str, text: str, axe_source: str | None = None
) -> None:
    context = chromium.new_context()
    try:
        chat = context.new_page()
        chat.goto(f"{url}/chat/{site_key}")
        chat.locator(".cw-banner", has_text=text).wait_for(timeout=20_000)
        if axe_source:
            assert axe_violations(chat, axe_source) == []
    finally:
        context.close()


def test_away_by_keyboard_reaches_the_visitor(
    live_server: Any, page: Any, chromium: Any, axe_source: str, sign_in: SignIn
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    sign_in(page, url, "admin@example.com")
    ready(page)
    control = page.get_by_label("Your availability")
    status = page.locator("#availability-status")
    status.filter(has_text="Online").wait_for()
    assert axe_violations(page, axe_source) == []
    _visitor_sees(chromium, url, site["site_key"], ONLINE)

    # keyboard only: focus the control, choose Away with the arrow key
    control.focus()
    page.keyboard.press("ArrowDown")
    status.filter(has_text="Away").wait_for()
    assert control.input_value() == "away"
    _visitor_sees(chromium, url, site["site_key"], AWAY, axe_source)

    # a reload keeps the choice (it is the server's, shared by every process)
    page.reload()
    ready(page)
    page.locator("#availability-status").filter(has_text="Away").wait_for()
    assert page.get_by_label("Your availability").input_value() == "away"
    page.get_by_label("Your availability").focus()
    page.keyboard.press("ArrowUp")
    page.locator("#availability-status").filter(has_text="Online").wait_for()
    _visitor_sees(chromium, url, site["site_key"], ONLINE)


def test_users_page_teams_and_a_live_conversation_team(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    headers = _admin_headers(url)
    billing = requests.post(
        f"{url}/api/v1/teams", json={"name": "Billing"}, headers=headers, timeout=10
    ).json()
    requests.post(f"{url}/api/v1/teams", json={"name": "Sales"}, headers=headers, timeout=10)

    sign_in(page, url, "admin@example.com")
    ready(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.wait_for_url(f"{url}/admin/users")
    ready(page)
    row = page.locator('tr[data-user="admin@example.com"]')
    summary = row.locator(".teams summary")
    summary.filter(has_text="none").wait_for()

    # keyboard: open the disclosure, tick Billing with Space, save with Enter
    summary.focus()
    page.keyboard.press("Enter")
    row.get_by_label("Billing").focus()
    page.keyboard.press("Space")
    row.get_by_role("button", name="Save teams").focus()
    assert axe_violations(page, axe_source) == []
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Saved the teams of admin@example.com.").wait_for()
    page.locator('tr[data-user="admin@example.com"] .teams summary').filter(
        has_text="Billing"
    ).wait_for()
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    team = requests.get(f"{url}/api/v1/teams/{billing['id']}", headers=headers, timeout=10)
    me = requests.get(f"{url}/api/v1/auth/me", headers=headers, timeout=10).json()
    assert team.json()["user_ids"] == [me["id"]]
    assert axe_violations(page, axe_source) == []

    # a conversation open in the inbox: another admin's team change shows at once
    visitor = Visitor(url, site)
    try:
        visitor.say("where is my invoice?")
        page.goto(f"{url}/admin/?c={visitor.conversation_id}")
        ready(page)
        picker = page.get_by_label("Team", exact=True).and_(page.locator("#conv-team"))
        picker.wait_for()
        assert picker.input_value() == ""
        res = requests.put(
            f"{url}/api/v1/inbox/conversations/{visitor.conversation_id}/team",
            json={"team_id": billing["id"]},
            headers=headers,
            timeout=10,
        )
        assert res.status_code == 200
        wait_until(lambda: picker.input_value() == str(billing["id"]), "the live team change")
        # and by keyboard from the header: back to no team
        picker.focus()
        page.keyboard.press("Home")
        wait_until(
            lambda: (
                requests.get(
                    f"{url}/api/v1/inbox/conversations?status=open&assignee=all",
                    headers=headers,
                    timeout=10,
                ).json()[0]["team_id"]
                is None
            ),
            "the team removed",
        )
        assert axe_violations(page, axe_source) == []
    finally:
        visitor.close()

    # the audit page tells these in words: the sign-in (with its address) and the team changes
    page.goto(f"{url}/admin/audit")
    ready(page)
    signed = page.locator("tr[data-action='auth.sign_in']").first
    signed.wait_for()
    assert "Signed in" in signed.inner_text() and "Email and password" in signed.inner_text()
    assert "127.0.0.1" in signed.inner_text()
    moved = page.locator("tr[data-action='conversation.team']").first
    assert "Moved a conversation to a team" in moved.inner_text()
    assert f"Conversation {visitor.conversation_id}" in moved.inner_text()
    assert axe_violations(page, axe_source) == []

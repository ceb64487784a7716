"""Canned responses per team in Debian's Chromium against a real ``chinwag run``: the admin gives
a response to a team on the Canned responses page by keyboard, and a member of that team finds
it in the composer's ``/`` picker while another team's response is not offered; axe clean."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from admin_axe import axe_violations
from test_browser import PASSWORD, SignIn, ready
from test_inbox_browser import Visitor

from chinwag.testing import run_cli

pytestmark = pytest.mark.browser

AGENT = "bill@example.com"


def test_a_team_member_is_offered_their_teams_canned_responses_only(
    live_server: Any,
    page: Any,
    chromium: Any,
    axe_source: str,
    sign_in: SignIn,
    api_token: Any,
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    run_cli(server.env, "users", "create", "--email", AGENT, "--password", PASSWORD,
            "--role", "agent")  # fmt: skip
    headers = {"Authorization": f"Bearer {api_token(url)}"}
    users = requests.get(f"{url}/api/v1/access", headers=headers, timeout=10).json()
    agent_id = next(u["user_id"] for u in users if u["email"] == AGENT)
    for name, members in (("Billing", [agent_id]), ("Tech", [])):
        made = requests.post(
            f"{url}/api/v1/teams",
            json={"name": name, "site_ids": [site["id"]], "user_ids": members},
            headers=headers,
            timeout=10,
        )
        assert made.status_code == 201, made.text
        if name == "Tech":
            tech = requests.post(
                f"{url}/api/v1/canned-responses",
                json={"shortcut": "reboot", "title": "Reboot", "text": "Try a reboot.",
                      "team_id": made.json()["id"]},
                headers=headers,
                timeout=10,
            )  # fmt: skip
            assert tech.status_code == 201, tech.text
    everyone = requests.post(
        f"{url}/api/v1/canned-responses",
        json={"shortcut": "hello", "title": "Greeting", "text": "Hello!"},
        headers=headers,
        timeout=10,
    )
    assert everyone.status_code == 201, everyone.text

    # the admin adds /refund for the Billing team, keyboard only
    sign_in(page, url, "admin@example.com", path="/admin/canned")
    ready(page)
    page.get_by_label("Shortcut").fill("refund")
    page.get_by_label("Title").fill("Refunds")
    page.get_by_label("Text", exact=True).fill("Refunds take 30 days, {visitor.name}.")
    team = page.get_by_label("Team", exact=True)
    assert team.evaluate("e => e.options[e.selectedIndex].text") == "Every agent"
    team.focus()
    page.keyboard.press("ArrowDown")  # Every agent -> Billing (teams by name)
    assert team.evaluate("e => e.options[e.selectedIndex].text") == "Billing"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Add canned response"
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Added /refund").wait_for()
    row = page.locator("tr[data-canned=refund]")
    row.locator("td", has_text="Billing").wait_for()
    assert page.locator("tr[data-canned=reboot] td", has_text="Tech").count() == 1
    assert page.locator("tr[data-canned=hello] td", has_text="Every agent").count() == 1
    assert axe_violations(page, axe_source) == []

    # the Billing member's picker offers /hello and /refund, never Tech's /reboot
    visitor = Visitor(url, site, name="Ann")
    context = chromium.new_context()
    try:
        visitor.say("where is my money?")
        agent = context.new_page()
        sign_in(agent, url, AGENT, keyboard=True)
        conv = agent.locator(f"button.conv[data-conversation='{visitor.conversation_id}']")
        conv.focus()
        agent.keyboard.press("Enter")
        reply = agent.get_by_label("Reply")
        reply.wait_for()
        reply.focus()
        agent.keyboard.type("/")
        picker = agent.get_by_role("listbox", name="Canned responses")
        picker.get_by_role("option", name="/refund").wait_for()
        options = picker.get_by_role("option").all_inner_texts()
        assert [o.split()[0] for o in options] == ["/hello", "/refund"]
        assert axe_violations(agent, axe_source) == []
        # "/reb" would find Tech's /reboot: nothing matches for a Billing member
        agent.keyboard.type("reb")
        agent.locator("#announcer", has_text="No canned response matches.").wait_for()
        assert picker.is_hidden()
        agent.keyboard.press("Backspace")
        agent.keyboard.type("f")
        picker.get_by_role("option", name="/refund").wait_for()
        assert picker.get_by_role("option").count() == 1
        agent.keyboard.press("Enter")
        assert reply.input_value() == "Refunds take 30 days, Ann."
    finally:
        visitor.close()
        context.close()

"""Saved inbox views in Debian's Chromium against a real ``chinwag run``, the same admin signed
in from two browser contexts (two devices): a view kept in one browser's localStorage by an
earlier version moves to the server once and leaves the browser; a view saved by keyboard on
one device appears on the other when it regains focus, opens there by keyboard and is deleted
there by keyboard; axe finds nothing. Two tabs of one agent get each other's changes at once,
pushed over their sockets. A conversation's team changed by keyboard in the header
appears in its thread as "Moved to team Billing by ...", also after a reload."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from test_browser import SignIn, ready, wait_until
from test_inbox_browser import Visitor, focused, no_violations

pytestmark = pytest.mark.browser


def _views(pg: Any) -> Any:
    return pg.get_by_role("list", name="Saved views")


def _regain_focus(pg: Any) -> None:
    """What the browser does when the agent comes back to this window (headless Chromium
    considers every page focused, so it never fires on its own)."""
    pg.bring_to_front()
    pg.evaluate("() => window.dispatchEvent(new FocusEvent('focus'))")


def test_a_view_saved_on_one_device_appears_on_the_other(
    live_server: Any,
    page: Any,
    chromium: Any,
    axe_source: str,
    sign_in: SignIn,
    api_token: Callable[..., str],
) -> None:
    url = live_server().url
    laptop, context = page, chromium.new_context()
    try:
        phone = context.new_page()
        sign_in(laptop, url)
        ready(laptop)
        sign_in(phone, url, keyboard=True)
        ready(phone)

        # an earlier version kept views in this browser: they move to the server, once
        me = requests.get(
            f"{url}/api/v1/auth/me",
            headers={"Authorization": f"Bearer {api_token(url)}"},
            timeout=10,
        ).json()
        key = f"chinwag:views:{me['id']}"
        phone.evaluate(
            "(key) => localStorage.setItem(key, JSON.stringify([{ name: 'Old closed',"
            " filters: { assignee: 'all', status: 'closed', q: '', label: '', team: '' } }]))",
            key,
        )
        phone.reload()
        ready(phone)
        _views(phone).get_by_role("button", name="Old closed", exact=True).wait_for()
        wait_until(
            lambda: phone.evaluate("(key) => localStorage.getItem(key)", key) is None,
            "the old views removed from the browser",
        )
        _regain_focus(laptop)
        _views(laptop).get_by_role("button", name="Old closed", exact=True).wait_for()

        # keyboard only on the laptop: choose Snoozed, name the view, Enter
        laptop.locator("#status-filter").focus()
        laptop.locator("#status-filter").select_option("snoozed")
        laptop.get_by_label("Save these filters as").focus()
        laptop.keyboard.type("Snoozed ones")
        laptop.keyboard.press("Enter")
        _views(laptop).get_by_role("button", name="Snoozed ones", exact=True).wait_for()
        # the same name again is refused with a message next to the field
        laptop.get_by_label("Save these filters as").focus()
        laptop.keyboard.type("Snoozed ones")
        laptop.keyboard.press("Enter")
        laptop.locator("#view-error", has_text="already have a view").wait_for()
        no_violations(laptop, axe_source, "the inbox with saved views and an error")

        # the phone shows it when the agent comes back to it, and opens it by keyboard
        _regain_focus(phone)
        saved = _views(phone).get_by_role("button", name="Snoozed ones", exact=True)
        saved.wait_for()
        saved.focus()
        phone.keyboard.press("Enter")
        phone.wait_for_url(re.compile(r"status=snoozed"))
        assert phone.locator("#status-filter").input_value() == "snoozed"

        # deleted by keyboard on the phone: gone there, focus on the name field, gone on the laptop
        phone.get_by_role("button", name="Delete view Snoozed ones").focus()
        phone.keyboard.press("Enter")
        saved.wait_for(state="detached")
        assert focused(phone) == "view-name"
        no_violations(phone, axe_source, "the inbox after deleting a view")
        _regain_focus(laptop)
        _views(laptop).get_by_role("button", name="Snoozed ones", exact=True).wait_for(
            state="detached"
        )
        assert _views(laptop).get_by_role("button", name="Old closed", exact=True).is_visible()
    finally:
        context.close()


def test_a_team_change_is_an_entry_of_the_conversation_log(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url = server.url
    headers = {"Authorization": f"Bearer {api_token(url)}"}
    requests.post(f"{url}/api/v1/teams", json={"name": "Billing"}, headers=headers, timeout=10)
    visitor = Visitor(url, server.extra["site"])
    try:
        visitor.say("where is my invoice?")
        sign_in(page, url, path=f"/admin/?c={visitor.conversation_id}")
        ready(page)
        picker = page.locator("#conv-team")
        picker.wait_for()
        # keyboard: the header's team select, the last option (Billing)
        picker.focus()
        page.keyboard.press("End")
        entry = page.locator(".messages li.activity", has_text="Moved to team Billing by")
        entry.wait_for()
        # after the visitor's message, in the thread's order; still there after a reload
        assert page.locator(".messages > li").last.get_attribute("class") == "activity"
        no_violations(page, axe_source, "the thread with an activity entry")
        page.reload()
        ready(page)
        entry.wait_for()
    finally:
        visitor.close()


def test_a_view_reaches_the_agents_other_tab_at_once(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn
) -> None:
    """Two tabs of one agent: no focus event (headless Chromium never sends one), the push
    alone brings a view saved by keyboard in one tab to the other, and a deletion back."""
    url = live_server().url
    sign_in(page, url)
    ready(page)
    other = page.context.new_page()  # the same session: a second tab
    try:
        other.goto(f"{url}/admin/")
        ready(other)
        other.locator("#connection", has_text="Live").wait_for()  # its socket is in the room

        page.locator("#status-filter").focus()
        page.locator("#status-filter").select_option("closed")
        page.get_by_label("Save these filters as").focus()
        page.keyboard.type("Closed today")
        page.keyboard.press("Enter")
        _views(page).get_by_role("button", name="Closed today", exact=True).wait_for()

        pushed = _views(other).get_by_role("button", name="Closed today", exact=True)
        pushed.wait_for()
        no_violations(other, axe_source, "the inbox with a pushed view")
        other.get_by_role("button", name="Delete view Closed today").focus()
        other.keyboard.press("Enter")
        pushed.wait_for(state="detached")
        _views(page).get_by_role("button", name="Closed today", exact=True).wait_for(
            state="detached"
        )
    finally:
        other.close()

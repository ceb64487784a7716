"""The inbox's gaps closed by the audit of issue 15, in Debian's Chromium against a real
``chinwag run`` and real visitor sockets: bulk assign and close (rows picked by keyboard and
mouse, the audit page writing each close as a sentence), per-agent notification preferences with
a sound, snooze until a time the agent chooses, and files attached by paste and by drop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from test_browser import PASSWORD, SignIn, ready, wait_until
from test_inbox_browser import Visitor, focused, no_violations

from chinwag.testing import run_cli

pytestmark = pytest.mark.browser


def _conversation(url: str, token: str, conv_id: int) -> dict[str, Any]:
    for status in ("open", "closed"):
        out = requests.get(
            f"{url}/api/v1/conversations?status={status}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert out.status_code == 200, out.text
        for row in out.json():
            if row["id"] == conv_id:
                return dict(row)
    raise AssertionError(f"no conversation {conv_id}")


def _colleague(server: Any) -> None:
    """An agent bo@example.com beside the test's admin."""
    run_cli(
        server.env, "users", "create", "--email", "bo@example.com", "--password", PASSWORD,
        "--role", "agent",
    )  # fmt: skip


def _row(pg: Any, conv_id: int | None) -> Any:
    return pg.locator(f"button.conv[data-conversation='{conv_id}']")


def test_bulk_assign_and_close_by_keyboard_and_mouse(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    _colleague(server)
    sign_in(page, url)
    page.locator("#connection", has_text="Live").wait_for()
    visitors = [Visitor(url, site, name=name) for name in ("Ann", "Ben", "Cat")]
    try:
        for v in visitors:
            v.say(f"hello from {v.n}")
        ann, ben, cat = (v.conversation_id for v in visitors)
        for conv in (ann, ben, cat):
            _row(page, conv).wait_for()
        bar = page.get_by_role("group", name="Selected conversations")
        assert bar.get_by_role("button", name="Close selected").is_hidden()  # nothing picked

        # keyboard: Space on Ann's checkbox; mouse: a click on Ben's
        page.get_by_role("checkbox", name="Select the conversation with Ann").focus()
        page.keyboard.press("Space")
        # the keyboard's focus ring: 3 px of #0b3d91 (10:1 on white, WCAG 1.4.11)
        ring = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
        )
        assert ring == ["solid", "3px", "rgb(11, 61, 145)"]
        page.get_by_role("checkbox", name="Select the conversation with Ben").click()
        bar.get_by_text("2 selected.").wait_for()
        assert bar.get_by_role("checkbox", name="Select all shown").evaluate("e => e.indeterminate")
        no_violations(page, axe_source, "the inbox with two conversations selected")
        bar.get_by_role("button", name="Assign selected to me").focus()
        page.keyboard.press("Enter")
        page.locator("#announcer", has_text="Assigned 2 conversations to you.").wait_for()
        token = api_token(url)
        me = requests.get(
            f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()["id"]
        assert [_conversation(url, token, c)["assignee_user_id"] for c in (ann, ben, cat)] == [
            me,
            me,
            None,
        ]
        wait_until(lambda: focused(page) == "select-all", "focus on Select all shown")
        assert bar.get_by_role("button", name="Close selected").is_hidden()  # all done

        # Cat handed to a colleague from the bar: Space picks, the select chooses, Enter assigns
        page.get_by_role("checkbox", name="Select the conversation with Cat").focus()
        page.keyboard.press("Space")
        bar.get_by_label("Assign selected to").select_option(label="bo@example.com (agent)")
        bar.get_by_role("button", name="Assign", exact=True).press("Enter")
        page.locator("#announcer", has_text="Assigned 1 conversation to bo@example.com").wait_for()
        assert _conversation(url, token, cat)["assignee_user_id"] != me
        assert _conversation(url, token, cat)["assignee_user_id"] is not None

        # Select all shown (Space), then Close selected (a click): the open list empties
        page.keyboard.press("Space")  # the focus came back to Select all shown
        bar.get_by_text("3 selected.").wait_for()
        bar.get_by_role("button", name="Close selected").click()
        page.locator("#announcer", has_text="Closed 3 conversations.").wait_for()
        page.locator("p.empty", has_text="No conversations here.").wait_for()
        assert {_conversation(url, token, c)["status"] for c in (ann, ben, cat)} == {"closed"}
        assert page.locator("#bulk-error").inner_text() == ""
        wait_until(lambda: focused(page) == "select-all", "focus back on Select all shown")

        # each close is an audit entry, written as a sentence
        page.goto(f"{url}/admin/audit")
        ready(page)
        closed = page.locator("tr[data-action='conversation.close']")
        closed.first.wait_for()
        assert closed.count() == 3
        assert "Closed a conversation" in closed.first.inner_text()
    finally:
        for v in visitors:
            v.close()


BEEPS = (
    "window.__beeps = 0; const make = AudioContext.prototype.createOscillator;"
    " AudioContext.prototype.createOscillator = function () { window.__beeps += 1;"
    " return make.call(this); };"
)


def test_notification_preferences_are_the_agents_own_and_ring(
    live_server: Any,
    page: Any,
    chromium: Any,
    axe_source: str,
    sign_in: SignIn,
    api_token: Callable[..., str],
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    page.add_init_script(BEEPS)
    sign_in(page, url)
    page.locator("#connection", has_text="Live").wait_for()
    beeps = lambda: page.evaluate("() => window.__beeps")  # noqa: E731
    first = Visitor(url, site, name="Ann")
    try:
        first.say("no sound yet")
        page.locator("#announcer", has_text="New conversation from Ann").wait_for()
        assert beeps() == 0  # sound is off until the agent turns it on

        # keyboard: open the preferences, Tab to "Play a sound", Space (a sample plays)
        summary = page.get_by_text("Notification preferences")
        summary.focus()
        page.keyboard.press("Enter")
        sound = page.get_by_role("checkbox", name="Play a sound")
        sound.focus()
        page.keyboard.press("Space")
        page.locator("#announcer", has_text="A sound plays for notifications.").wait_for()
        assert beeps() == 1
        no_violations(page, axe_source, "the notification preferences")

        # a visitor message in a conversation that is not open rings
        first.say("now with sound")
        page.locator("#announcer", has_text="New message from Ann").wait_for()
        wait_until(lambda: beeps() == 2, "the notification sound")

        # mentions only (a click): a visitor's message still shows, but no longer rings
        page.get_by_role("radio", name="Mentions of me only").click()
        page.locator("#announcer", has_text="mentions of me only").wait_for()
        first.say("quietly")
        _row(page, first.conversation_id).filter(has_text="quietly").wait_for()
        second = Visitor(url, site, name="Ben")
        try:
            second.say("a new one")
            page.locator("#announcer", has_text="New conversation from Ben").wait_for()
            assert beeps() == 2

            # new conversations and mentions (arrow keys in the group): a new one rings again
            page.get_by_role("radio", name="Mentions of me only").focus()
            page.keyboard.press("ArrowUp")
            page.locator("#announcer", has_text="new conversations and mentions of me").wait_for()
            first.say("a message, not a conversation")
            _row(page, first.conversation_id).filter(has_text="not a conversation").wait_for()
            third = Visitor(url, site, name="Cat")
            try:
                third.say("brand new")
                page.locator("#announcer", has_text="New conversation from Cat").wait_for()
                wait_until(lambda: beeps() == 3, "the sound of a new conversation")
                assert beeps() == 3  # the message in Ann's conversation did not ring
            finally:
                third.close()
        finally:
            second.close()

        # kept for this agent across a reload
        page.reload()
        ready(page)
        page.get_by_text("Notification preferences").click()
        assert page.get_by_role("checkbox", name="Play a sound").is_checked()
        assert page.get_by_role("radio", name="New conversations and mentions of me").is_checked()
        page.locator("#notify-where", has_text="Saved to your account").wait_for()
    finally:
        first.close()
    _preferences_follow_the_agent(page, chromium, server, sign_in, api_token)


PREFS = "/api/v1/profile/preferences"


def _prefs(url: str, token: str) -> dict[str, Any]:
    out = requests.get(url + PREFS, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert out.status_code == 200, out.text
    return dict(out.json())


def _preferences_follow_the_agent(
    laptop: Any, chromium: Any, server: Any, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    """Kept on the server: another browser (no localStorage of its own, or a stale one) shows
    them, a change there reaches the first when it regains focus, and a browser's preferences
    from before the server kept them move there once."""
    url = server.url
    token = api_token(url)
    chosen = {"events": "new", "sound": True, "desktop": True}
    assert _prefs(url, token)["notifications"] == chosen
    me = requests.get(
        f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()["id"]
    context = chromium.new_context()
    try:
        phone = context.new_page()
        sign_in(phone, url, keyboard=True)
        ready(phone)
        # a stale cache in this browser: the server's preferences win and replace it
        phone.evaluate(
            "(key) => localStorage.setItem(key, JSON.stringify({ events: 'off', sound: false,"
            " desktop: false }))",
            f"chinwag:notify:{me}",
        )
        phone.reload()
        ready(phone)
        phone.get_by_text("Notification preferences").click()
        radio = phone.get_by_role("radio", name="New conversations and mentions of me")
        phone.wait_for_function(
            "() => document.querySelector('input[name=notify-events][value=new]').checked",
            polling=100,
        )
        assert (
            radio.is_checked() and phone.get_by_role("checkbox", name="Play a sound").is_checked()
        )
        # changed here by keyboard: saved for the agent, shown on the laptop when it is back
        phone.get_by_role("checkbox", name="Play a sound").focus()
        phone.keyboard.press("Space")
        wait_until(lambda: _prefs(url, token)["notifications"]["sound"] is False, "the sound saved")
        laptop.bring_to_front()
        laptop.evaluate("() => window.dispatchEvent(new FocusEvent('focus'))")
        laptop.wait_for_function(
            "() => !document.getElementById('notify-sound').checked", polling=100
        )
        # offline on the phone: the change is kept in the browser, said so, saved once back
        phone.context.set_offline(True)
        phone.get_by_role("radio", name="Nothing").check()
        phone.locator("#notify-where", has_text="Not saved to your account yet").wait_for()
        assert _prefs(url, token)["notifications"]["events"] == "new"
        phone.context.set_offline(False)
        phone.evaluate("() => window.dispatchEvent(new FocusEvent('focus'))")
        wait_until(
            lambda: _prefs(url, token)["notifications"]["events"] == "off", "saved once back"
        )
        phone.locator("#notify-where", has_text="Saved to your account").wait_for()
    finally:
        context.close()

    # an agent whose preferences this browser kept before the server did: moved up, once
    _colleague(server)
    bo_token = api_token(url, "bo@example.com", PASSWORD)
    bo = requests.get(
        f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {bo_token}"}, timeout=10
    ).json()["id"]
    assert _prefs(url, bo_token)["updated_at"] is None
    context = chromium.new_context()
    try:
        desk = context.new_page()
        sign_in(desk, url, email="bo@example.com")
        ready(desk)
        assert _prefs(url, bo_token)["updated_at"] is None  # the defaults are not saved for him
        old = {"events": "mentions", "sound": True, "desktop": False}
        desk.evaluate(
            "([k, v]) => localStorage.setItem(k, JSON.stringify(v))", [f"chinwag:notify:{bo}", old]
        )
        desk.reload()
        ready(desk)
        wait_until(
            lambda: _prefs(url, bo_token)["notifications"] == old, "the old preferences moved up"
        )
        assert _prefs(url, token)["notifications"]["events"] == "off"  # the admin's untouched
    finally:
        context.close()


def test_snooze_until_a_time_the_agent_chooses(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    sign_in(page, url)
    visitor = Visitor(url, site, name="Ann")
    try:
        visitor.say("call me back tomorrow afternoon")
        _row(page, visitor.conversation_id).press("Enter")
        page.get_by_label("Reply").wait_for()

        snooze_for = page.get_by_label("Snooze for")
        snooze_for.focus()
        snooze_for.select_option(label="A time I choose")
        until = page.get_by_label("Snooze until")
        until.wait_for()
        no_violations(page, axe_source, "snooze with a time to choose")
        # a time already gone is refused beside the field, the focus on it
        until.fill((datetime.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
        page.locator("form.snooze button[type=submit]").press("Enter")
        page.locator("#snooze-at-error", has_text="Choose a time in the future.").wait_for()
        assert focused(page) == "snooze-at" and until.get_attribute("aria-invalid") == "true"

        chosen = (datetime.now() + timedelta(days=1)).replace(hour=15, minute=30)
        until.fill(chosen.strftime("%Y-%m-%dT%H:%M"))
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the Snooze button
        page.locator(".conv-header .snoozed", has_text="Snoozed until").wait_for()
        wait_until(lambda: focused(page) == "unsnooze", "focus on Wake now")
        expected = page.evaluate(
            "v => new Date(v).toISOString()", chosen.strftime("%Y-%m-%dT%H:%M")
        )
        conv = requests.get(
            f"{url}/api/v1/inbox/conversations?status=snoozed",
            headers={"Authorization": f"Bearer {api_token(url)}"},
            timeout=10,
        ).json()
        got = [c["snoozed_until"] for c in conv if c["id"] == visitor.conversation_id]
        assert len(got) == 1
        assert abs(
            datetime.fromisoformat(got[0].replace("Z", "+00:00"))
            - datetime.fromisoformat(expected.replace("Z", "+00:00"))
        ) < timedelta(seconds=1)
        _row(page, visitor.conversation_id).wait_for(state="detached")  # out of the open list
    finally:
        visitor.close()


FILE = "(name) => { const t = new DataTransfer(); t.items.add(new File(['hello ' + name], name, { type: 'text/plain' })); return t; }"


def test_files_attached_by_paste_and_by_drop(live_server: Any, page: Any, sign_in: SignIn) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    sign_in(page, url)
    visitor = Visitor(url, site, name="Ann")
    try:
        visitor.say("can you send the forms?")
        _row(page, visitor.conversation_id).click()
        reply = page.get_by_label("Reply")
        reply.wait_for()
        page.locator("label.attach").wait_for()  # media is on: the composer takes files

        # paste into the composer (what Ctrl+V with a copied file does)
        reply.evaluate(
            f"(el) => el.dispatchEvent(new ClipboardEvent('paste', {{ bubbles: true,"
            f" cancelable: true, clipboardData: ({FILE})('pasted.txt') }}))"
        )
        page.get_by_role("status").filter(has_text="Attached pasted.txt").wait_for()
        # drop on the thread
        page.locator("#conversation").evaluate(
            f"(el) => {{ const t = ({FILE})('dropped.txt');"
            " el.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: t }));"
            " el.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: t })); }"
        )
        page.get_by_role("status").filter(has_text="Attached dropped.txt").wait_for()
        attached = page.get_by_role("list", name="Attached files")
        assert [n.strip() for n in attached.locator("li").all_inner_texts()] == [
            "pasted.txt Remove",
            "dropped.txt Remove",
        ]
        reply.fill("here they are")
        reply.press("Enter")
        got = visitor.received("here they are")
        assert [b["name"] for b in got["blocks"]] == ["pasted.txt", "dropped.txt"]
        page.locator("ol.messages li.agent a.cw-file", has_text="dropped.txt").wait_for()
    finally:
        visitor.close()


def test_site_and_date_filters_are_kept_in_the_url(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    made = requests.post(
        f"{url}/api/v1/sites",
        json={"name": "Outlet", "allowed_origins": [url]},
        headers={"Authorization": f"Bearer {api_token(url)}"},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    outlet = made.json()
    sign_in(page, url)
    shop_visitor, outlet_visitor = Visitor(url, site, name="Ann"), Visitor(url, outlet, name="Ben")
    try:
        shop_visitor.say("from the shop")
        outlet_visitor.say("from the outlet")
        ann, ben = (
            _row(page, shop_visitor.conversation_id),
            _row(page, outlet_visitor.conversation_id),
        )
        ann.wait_for()
        ben.wait_for()

        # the Site filter by keyboard: only the outlet's conversation, the site in the URL
        site_filter = page.get_by_label("Site", exact=True)
        site_filter.focus()
        site_filter.select_option(label="Outlet")
        page.wait_for_url(f"**site={outlet['id']}**")
        ann.wait_for(state="detached")
        assert ben.is_visible()
        # started from tomorrow: nothing yet; the day is in the URL and survives a reload
        tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%d")
        page.get_by_label("Started from").fill(tomorrow)
        page.wait_for_url(f"**from={tomorrow}**")
        page.locator("p.empty", has_text="No conversations here.").wait_for()
        no_violations(page, axe_source, "the inbox filtered by site and day")
        page.reload()
        ready(page)
        assert page.get_by_label("Site", exact=True).input_value() == str(outlet["id"])
        assert page.get_by_label("Started from").input_value() == tomorrow
        page.locator("p.empty", has_text="No conversations here.").wait_for()
        assert ben.count() == 0
        # until today, from no day: the outlet's conversation is back
        page.get_by_label("Started from").fill("")
        page.get_by_label("Started until").fill(datetime.now().strftime("%Y-%m-%d"))
        page.wait_for_url("**to=**")
        ben.wait_for()
        assert "from=" not in page.url and ann.count() == 0
        # a saved view keeps the site and the day
        page.get_by_label("Save these filters as").fill("Outlet today")
        page.get_by_label("Save these filters as").press("Enter")
        saved = page.get_by_role("list", name="Saved views").get_by_role(
            "button", name="Outlet today", exact=True
        )
        saved.wait_for()
        page.get_by_label("Site", exact=True).select_option(label="Any")
        ann.wait_for()
        saved.press("Enter")
        page.wait_for_url(f"**site={outlet['id']}**")
        ann.wait_for(state="detached")
        assert page.get_by_label("Started until").input_value() == datetime.now().strftime(
            "%Y-%m-%d"
        )
    finally:
        shop_visitor.close()
        outlet_visitor.close()


def test_r_replies_and_e_closes_from_the_keyboard(
    live_server: Any, page: Any, sign_in: SignIn
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    sign_in(page, url)
    visitor = Visitor(url, site, name="Ann")
    try:
        visitor.say("please close this")
        _row(page, visitor.conversation_id).press("Enter")
        page.get_by_label("Reply").wait_for()
        page.locator("#conv-title").focus()
        page.keyboard.press("r")
        wait_until(lambda: focused(page) == "reply", "r to focus the composer")
        assert page.get_by_label("Reply").input_value() == ""  # the key is not typed
        page.locator("#conv-title").focus()
        page.keyboard.press("e")
        page.locator(".conv-header", has_text="Status: closed").wait_for()
        wait_until(lambda: focused(page) == "reopen", "focus on Reopen")
    finally:
        visitor.close()


def test_a_colleagues_label_appears_live_and_keeps_what_is_typed(
    live_server: Any, page: Any, chromium: Any, sign_in: SignIn
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    _colleague(server)
    context = chromium.new_context()
    visitor = Visitor(url, site, name="Ann")
    try:
        colleague = context.new_page()
        sign_in(page, url)
        sign_in(colleague, url, "bo@example.com", keyboard=True)
        visitor.say("my refund?")
        for pg in (page, colleague):
            _row(pg, visitor.conversation_id).click()
            pg.get_by_label("Add a label").wait_for()
        # the admin is typing a label when the colleague adds one (by keyboard)
        page.get_by_label("Add a label").fill("urg")
        colleague.get_by_label("Add a label").fill("billing")
        colleague.get_by_label("Add a label").press("Enter")
        colleague.locator("#announcer", has_text="Labels: billing.").wait_for()
        assert colleague.get_by_label("Add a label").input_value() == ""
        # the admin's list row and header show it without a reload; the typing is kept
        _row(page, visitor.conversation_id).locator(".label-chip", has_text="billing").wait_for()
        page.get_by_role("list", name="Labels of this conversation").get_by_text(
            "billing"
        ).wait_for()
        assert page.get_by_label("Add a label").input_value() == "urg"
        assert focused(page) == "add-label"
    finally:
        visitor.close()
        context.close()

"""The admin's Privacy page in Debian's Chromium against a real ``chinwag run``: an admin finds a
visitor by email with the keyboard, downloads their archive, erases them after typing their id
(a wrong id and Escape erase nothing), and the audit log shows the erasure without their data."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
import requests
import socketio
from admin_axe import axe_violations

pytestmark = pytest.mark.browser

SignIn = Callable[..., None]  # conftest.SignIn (conftest modules are not imported by name)


def _visitor_with_a_message(
    url: str, site: dict[str, Any], name: str = "Ada Lovelace", email: str = "Ada@Example.com"
) -> tuple[int, int]:
    s = requests.post(
        f"{url}/api/v1/widget/session",
        json={"site_key": site["site_key"], "email": email, "name": name},
        headers={"Origin": url},
        timeout=10,
    ).json()
    sock = socketio.SimpleClient()
    sock.connect(
        url,
        namespace="/widget",
        transports=["websocket"],
        auth={"site_key": site["site_key"], "visitor_token": s["visitor_token"]},
        headers={"Origin": url},
    )
    try:
        ack = sock.call(
            "message.send", {"client_msg_id": "p1", "text": "please forget me"}, timeout=15
        )
        assert ack["ok"], ack
    finally:
        sock.disconnect()
    return int(s["visitor_id"]), int(ack["message"]["conversation_id"])


def test_admin_answers_an_access_and_an_erasure_request(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn
) -> None:
    server = live_server()
    url = server.url
    vid, _conv = _visitor_with_a_message(url, server.extra["site"])
    _other, kept = _visitor_with_a_message(url, server.extra["site"], "Grace", "grace@example.com")

    sign_in(page, url, path="/admin/privacy")
    assert (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Privacy")
        .get_attribute("aria-current")
        == "page"
    )
    assert axe_violations(page, axe_source) == []

    # nothing given: said in words, no request made
    page.get_by_role("button", name="Find").press("Enter")
    page.get_by_role("alert").filter(has_text="Give a visitor id").wait_for()

    # find by email in another case, with the keyboard
    search = page.get_by_role("search", name="Find a visitor")
    search.get_by_label("Email").fill("ada@example.COM")
    search.get_by_label("Email").press("Enter")
    page.get_by_role("status").filter(has_text="1 visitor found.").wait_for()
    row = page.get_by_role("row", name=f"Ada Lovelace ({vid})")
    assert "Ada@Example.com" in row.inner_text()
    assert axe_violations(page, axe_source) == []

    # the archive: one zip with the conversation
    with page.expect_download() as info:
        row.get_by_role("button", name="Download archive of Ada Lovelace").click()
    download = info.value
    assert download.suggested_filename == f"chinwag-visitor-{vid}.zip"
    archive = zipfile.ZipFile(download.path())
    data = json.loads(archive.read("export.json"))
    assert [m["text"] for m in data["conversations"][0]["messages"]] == ["please forget me"]

    # erase: a wrong id refuses, Escape cancels and gives the focus back
    erase = row.get_by_role("button", name="Erase Ada Lovelace")
    erase.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Erase visitor")
    dialog.wait_for()
    confirm = dialog.get_by_label("Type the visitor id to confirm")
    assert page.evaluate("() => document.activeElement.id") == "privacy-confirm"
    assert axe_violations(page, axe_source) == []
    confirm.fill(str(vid + 1000))
    confirm.press("Enter")
    dialog.get_by_role("alert").filter(has_text=f"Type {vid} to erase").wait_for()
    assert confirm.get_attribute("aria-invalid") == "true"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert (
        page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        == "Erase Ada Lovelace"
    )
    assert row.count() == 1

    page.keyboard.press("Space")
    dialog.wait_for()
    confirm.fill(str(vid))
    confirm.press("Enter")
    page.get_by_role("status").filter(has_text=f"Visitor {vid} was erased.").wait_for()
    assert row.count() == 0
    # said in the page's live status region, and the focus is not lost to <body>
    assert page.evaluate("() => document.activeElement !== document.body")

    # gone everywhere the admin looks; the audit log says what happened, not what was erased
    page.get_by_role("button", name="Find").press("Enter")
    page.get_by_role("status").filter(has_text="0 visitors found.").wait_for()

    # retention: a window for the site, then the next run's preview; legal hold by keyboard
    retention = page.get_by_role("form", name="Retention")
    retention.get_by_label("Delete conversations idle for (days)").fill("0")
    retention.get_by_role("button", name="Save retention").press("Enter")
    retention.get_by_role("alert").filter(has_text="Some fields need attention").wait_for()
    days = retention.get_by_label("Delete conversations idle for (days)")
    assert days.get_attribute("aria-invalid") == "true"
    days.fill("30")
    days.press("Enter")
    next_run = page.locator("#retention-next")
    next_run.filter(
        has_text="deletes 0 conversations and 0 visitors; 0 conversations are"
    ).wait_for()
    hold = page.get_by_role("form", name="Legal hold")
    hold.get_by_label("Conversation id").fill(str(kept))
    hold.get_by_label("Reason").fill("case 7")
    hold.get_by_label("Reason").press("Enter")
    page.locator("#hold-state").filter(
        has_text=f"Conversation {kept} is not on legal hold."
    ).wait_for()
    toggle = hold.get_by_role("button", name="Legal hold")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.focus()
    page.keyboard.press("Space")
    page.locator("#hold-state").filter(
        has_text="is on legal hold (case 7), set by admin@example.com"
    ).wait_for()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert axe_violations(page, axe_source) == []
    page.reload()
    page.locator("body[data-ready=true]").wait_for()
    page.locator("#retention-next").filter(has_text="1 conversation is on legal hold").wait_for()
    assert page.get_by_label("Delete conversations idle for (days)").input_value() == "30"
    page.goto(f"{url}/admin/audit")
    page.locator("body[data-ready=true]").wait_for()
    entry = page.locator("tr[data-action='visitor.erase']")
    entry.wait_for()
    text = entry.inner_text()
    assert f"Visitor {vid}" in text and "Erased a visitor" in text
    assert "Ada" not in text and "forget" not in text

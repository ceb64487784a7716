"""Identity verification in the agent inbox (docs/widget.md, "Identity verification"), in
Debian's Chromium against a real ``chinwag run`` server: a visitor whose identity the site's
backend signed shows *verified* (in the conversation list, the conversation's title and the
visitor panel); one who only typed the same name and e-mail shows *unverified*, and a forged
identity gets no session at all. Driven by the keyboard; axe finds nothing."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests
import socketio
from test_browser import SignIn, assert_accessible

pytestmark = pytest.mark.browser


def _session(url: str, site: dict[str, Any], **body: Any) -> requests.Response:
    return requests.post(
        f"{url}/api/v1/widget/session",
        json={"site_key": site["site_key"], **body},
        headers={"Origin": url},
        timeout=10,
    )


def _identity(secret: str, **claims: Any) -> str:
    return jwt.encode({"exp": int(time.time()) + 600, **claims}, secret, algorithm="HS256")


def _say(url: str, site: dict[str, Any], token: str, text: str) -> Any:
    """A visitor's socket that sent ``text`` (open: the caller disconnects it)."""
    sio = socketio.SimpleClient()
    sio.connect(
        url,
        namespace="/widget",
        transports=["websocket"],
        headers={"Origin": url},
        auth={"site_key": site["site_key"], "visitor_token": token},
    )
    ack = sio.call("message.send", {"client_msg_id": "m1", "text": text}, timeout=10)
    assert ack["ok"], ack
    return sio


def test_a_signed_identity_shows_verified_and_a_typed_one_does_not(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    sign_in(page, url, "admin@example.com", keyboard=True)
    page.locator("#connection", has_text="Live").wait_for()

    signed = _identity(
        site["identity_secret"], sub="u-7", name="Ada Signed", email="ada@shop.example"
    )
    ada = _session(url, site, identity=signed)
    assert ada.status_code == 200 and ada.json()["verified"] is True, ada.text
    # the same claims signed with another key: no session, nothing in the inbox
    forged = _session(url, site, identity=_identity("x" * 43, sub="u-7", name="Ada Forged"))
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "identity_invalid"
    # typing a name and Ada's address proves nothing
    bob = _session(url, site, name="Bob Typed", email="ada@shop.example")
    assert bob.status_code == 200 and bob.json()["verified"] is False, bob.text

    sockets = [
        _say(url, site, ada.json()["visitor_token"], "hello from Ada"),
        _say(url, site, bob.json()["visitor_token"], "hello from Bob"),
    ]
    try:
        ada_row = page.locator("button.conv", has_text="Ada Signed")
        bob_row = page.locator("button.conv", has_text="Bob Typed")
        ada_row.wait_for()
        bob_row.wait_for()
        assert page.locator("button.conv", has_text="Ada Forged").count() == 0
        # the list: a verified badge on Ada's row only ("unverified" would contain the word)
        assert ada_row.locator(".badge.ok").get_by_text("verified", exact=True).count() == 1
        assert bob_row.get_by_text("verified", exact=True).count() == 0
        assert_accessible(page, axe_source, "inbox with a verified and an unverified visitor")

        title = page.locator("#conv-title")
        panel = page.get_by_role("complementary", name="Visitor")
        for row, name, badge, shown, not_shown in (
            (ada_row, "Ada Signed", "verified", "Verified by the site", "Not verified"),
            (bob_row, "Bob Typed", "unverified", "Not verified", "Verified by the site"),
        ):
            row.focus()  # keyboard: the row, Enter opens it
            page.keyboard.press("Enter")
            title.filter(has_text=name).wait_for()
            assert title.locator(".badge").first.inner_text().strip() == badge
            panel.get_by_text(shown, exact=True).wait_for()
            assert not_shown not in panel.inner_text()
            assert_accessible(page, axe_source, f"{name}'s conversation")
    finally:
        for sio in sockets:
            sio.disconnect()

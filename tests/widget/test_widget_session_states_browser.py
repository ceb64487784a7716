"""Issue #14's visitor-facing session states in Debian's Chromium, driven with the keyboard: a
slow start says it is connecting, and a site that requires verified visitors asks an anonymous
one to log in (no "Not sent", nothing stuck at "Sending…"), then chats once the page identifies."""

from __future__ import annotations

from typing import Any

from widget_helpers import (
    ax_live_regions,
    axe_violations,
    embed_on_host,
    frame_focus,
    identity_token,
    launcher,
    open_with_keyboard,
    patch_site,
)

FRAME = "/widget/frame/"


def test_a_slow_start_says_so_and_an_enforcing_site_asks_to_log_in(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    token, host = embed_on_host(widget_server, host_page)
    patch_site(widget_server, token, identity_required=True)
    staff = agent(widget_server, token)
    held: list[Any] = []
    page.route("**/api/v1/widget/session", lambda route: held.append(route))
    page.goto(host.origin)
    launcher(page).wait_for()
    frame = open_with_keyboard(page, None)
    staff.wait_for(lambda: held, page=page)
    # while the session request is slow: said in the panel's status region
    frame.get_by_text("Connecting to the chat…").wait_for()
    assert ("status", "Connecting to the chat…") in ax_live_regions(page, FRAME)
    assert frame_focus(frame) == "#cw-input"
    held.pop().continue_()

    # anonymous on a site that requires verified visitors: asked to log in, in an alert; no
    # composer to type into (nothing can be "Not sent"), and focus is not lost to the body
    frame.get_by_text("Please log in on this site to chat with us.").wait_for()
    assert ("alert", "Please log in on this site to chat with us.") in ax_live_regions(page, FRAME)
    panel = frame.locator(".cw-panel")
    assert frame.locator("#cw-input").count() == 0
    assert "Not sent" not in panel.inner_text() and "kid" not in panel.inner_text()
    assert frame_focus(frame) != "body"
    assert axe_violations(page) == []

    # the page identifies the visitor: the chat starts, the composer is back, messages are sent
    page.unroute("**/api/v1/widget/session")
    secret = widget_server.extra["site"]["identity_secret"]
    page.evaluate("t => Chinwag('identify', {token: t})", identity_token(secret, "u-7", "Grace"))
    frame.locator("#cw-input").wait_for()
    frame.locator("#cw-input").focus()
    page.keyboard.type("hello, logged in now")
    page.keyboard.press("Enter")
    staff.wait_for(lambda: staff.messages(), page=page)
    frame.locator(".cw-mine:not(.cw-pending)", has_text="hello, logged in now").wait_for()
    assert frame.locator(".cw-pending").count() == 0
    assert "Please log in" not in panel.inner_text() and "Not sent" not in panel.inner_text()
    # a token signed with another secret (a site owner's mistake): the visitor reads a sentence
    # of the widget, never the server's message to developers ("The identity token's kid is
    # unknown.")
    page.evaluate(
        "t => Chinwag('identify', {token: t})",
        identity_token("another-secret-of-32-bytes-or-more", "u-8", "Eve"),
    )
    frame.get_by_role("alert").filter(has_text="Chat is unavailable right now.").wait_for()
    assert "kid" not in panel.inner_text() and "identity token" not in panel.inner_text()
    assert axe_violations(page) == []

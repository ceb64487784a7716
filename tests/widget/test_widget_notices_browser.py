"""Notices shown as a chat session starts are announced once, politely (WCAG 4.1.3), in Debian's
Chromium driven with the keyboard: the pre-chat consent text when the panel opens (it was on the
page while the frame was hidden, so no region change said it), the greeting once the session
starts, the availability banner as an addition to a status region present from the start; closing
and reopening says none of them again. Checked in the accessibility tree (CDP) and with axe."""

from __future__ import annotations

from typing import Any

from widget_helpers import (
    ax_live_regions,
    axe_violations,
    chat_frame,
    embed_on_host,
    frame_focus,
    launcher,
    open_with_keyboard,
)

FRAME = "/widget/frame/"
CONSENT = "We keep your messages for one year."
GREETING = "Hi! How can we help?"
AWAY = "We're away — leave a message"
NOTICE = "() => document.getElementById('cw-notice').textContent"


def _notice_says(frame: Any, text: str) -> None:
    frame.wait_for_function(f"() => ({NOTICE})().includes({text!r})")


def test_session_start_notices_are_announced_once_politely(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    _, host = embed_on_host(widget_server, host_page, consent_required=True, consent_text=CONSENT)
    page.goto(host.origin)
    launcher(page).wait_for()
    frame = chat_frame(page)
    # nothing is said while the chat is closed; the regions are there, empty, before anything
    assert frame.evaluate(NOTICE) == ""
    assert frame.evaluate("() => document.querySelector('.cw-banners').textContent") == ""
    frame.evaluate("() => (document.querySelector('.cw-banners').dataset.probe = 'early')")

    frame = open_with_keyboard(page, "cw-consent")

    # opening: the consent text is said in a polite status region (not an alert)
    _notice_says(frame, CONSENT)
    regions = ax_live_regions(page, FRAME)
    [said] = [r for r in regions if CONSENT in r[1]]
    assert said[0] == "status"
    assert not [r for r in regions if r[0] == "alert"]
    assert axe_violations(page) == []

    # the session starts: the greeting is said (the log came with it, so it did not say it) and
    # "We're away" enters the status region that was there from the start
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    _notice_says(frame, GREETING)
    assert CONSENT not in frame.evaluate(NOTICE)  # said once: not repeated with the greeting
    banners = frame.locator(".cw-banners[data-probe=early]")
    banners.filter(has_text=AWAY).wait_for()
    assert banners.get_attribute("role") == "status"
    regions = ax_live_regions(page, FRAME)
    assert any(r == "status" and AWAY in t for r, t in regions)  # (maybe beside "Connecting…")
    assert ("status", GREETING) in regions
    assert axe_violations(page) == []

    # closed and opened again from the keyboard: the region is emptied and says nothing again
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.activeElement?.classList.contains('l')"
    )
    # emptied: no stale copy to browse (polled by timer: a closed panel's frame gets no
    # animation frames, Playwright's default polling)
    frame.wait_for_function(f"() => ({NOTICE})() === ''", polling=100)
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    page.wait_for_timeout(1000)  # longer than the beat before notices are said
    assert frame.evaluate(NOTICE) == ""
    assert frame_focus(frame) == "#cw-input"
    assert axe_violations(page) == []

"""An open widget follows its site's availability live, in Debian's Chromium: opened from the
keyboard while nobody is in the inbox it says "We're away — leave a message"; an agent opening
the inbox (a real /agent socket) turns the banner into "Typically replies in a few minutes"
within seconds, and the agent leaving turns it back, each change in a polite status region (the
accessibility tree), with no reload and axe finding nothing."""

from __future__ import annotations

from typing import Any

from widget_helpers import (
    ax_live_regions,
    axe_violations,
    chat_frame,
    embed_on_host,
    launcher,
    launcher_focused,
)

ONLINE = "Typically replies in a few minutes"
AWAY = "We're away — leave a message"


def _in_status(page: Any, text: str) -> bool:
    """Whether a status region of the chat says ``text`` (banners share one region, present from
    the start: "Reconnecting…" may stand beside it)."""
    return any(r == "status" and text in t for r, t in ax_live_regions(page, "/widget/frame/"))


def test_banner_follows_the_agents_live(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    page.goto(host.origin)
    launcher(page).wait_for()
    # keyboard: Tab past the host page's button to the launcher, Enter opens the chat
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert launcher_focused(page)
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    banner = frame.locator(".cw-banners[role=status] .cw-banner")
    banner.filter(has_text=AWAY).wait_for()
    assert _in_status(page, AWAY)
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")

    inbox = agent(server, token)  # the admin opens the inbox: the site is answered now
    banner.filter(has_text=ONLINE).wait_for(timeout=15_000)
    assert _in_status(page, ONLINE)
    # the visitor's focus stays where it was
    assert frame.evaluate("() => document.activeElement.id") == "cw-input"
    assert axe_violations(page) == []

    inbox.close()  # the last inbox closes
    banner.filter(has_text=AWAY).wait_for(timeout=15_000)
    assert _in_status(page, AWAY)
    assert axe_violations(page) == []

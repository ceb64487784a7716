"""The widget driven as a keyboard and screen-reader user drives it, in Debian's Chromium: real key
presses (``page.keyboard``), focus checked after each, states checked in the accessibility tree
(CDP), axe in every frame."""

from __future__ import annotations

from typing import Any

from widget_helpers import (
    ax_find,
    ax_focused,
    ax_tree,
    axe_violations,
    chat_frame,
    embed_on_host,
    frame_focus,
    launcher,
    launcher_focused,
)


def _tab_to_launcher(page: Any) -> None:
    """From the top of the host page, Tab through its one button to the launcher."""
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "help"
    page.keyboard.press("Tab")
    assert launcher_focused(page)


def test_keyboard_opens_moves_focus_in_and_escape_returns_it(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    server = widget_server
    _, host = embed_on_host(server, host_page)
    page.goto(host.origin)
    launcher(page).wait_for()

    _tab_to_launcher(page)
    node = ax_focused(page)
    assert node and node["role"] == "button" and node["name"] == "Open chat"
    assert node["props"].get("expanded") is False
    # Tab and Shift+Tab leave the launcher (it used to swallow every key)
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.id") == "help"
    page.keyboard.press("Tab")
    assert launcher_focused(page)
    page.keyboard.press("Tab")
    assert not launcher_focused(page)
    page.keyboard.press("Shift+Tab")
    assert launcher_focused(page)

    # Enter opens the chat and moves focus into it, onto the composer
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    assert launcher(page).get_attribute("aria-expanded") == "true"
    focused = ax_focused(page, "/widget/frame/")
    assert focused and focused["role"] == "textbox" and focused["name"] == "Message"
    assert axe_violations(page) == []

    # Tab order inside the panel, then out of it to the launcher, now a close control
    order = [frame_focus(frame)]
    while not launcher_focused(page):
        page.keyboard.press("Tab")
        assert len(order) < 8, order
        order.append(frame_focus(frame))
    assert order[:2] == ["#cw-input", "button.cw-icon"], order
    node = ax_focused(page)
    assert node and node["name"] == "Close chat" and node["props"].get("expanded") is True
    # Shift+Tab goes back into the panel
    page.keyboard.press("Shift+Tab")
    assert not launcher_focused(page)
    assert frame_focus(frame) != "body"

    # Escape closes and gives focus back to the launcher
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.activeElement?.classList.contains('l')"
    )
    assert launcher(page).get_attribute("aria-expanded") == "false"
    node = ax_focused(page)
    assert node and node["name"] == "Open chat"

    # Space opens too; Escape on the launcher itself closes
    page.keyboard.press("Space")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    assert launcher(page).get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.activeElement?.classList.contains('l')"
    )
    # the header's close button, reached backwards from the composer, closes too
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
        if (
            frame.evaluate("() => document.activeElement.getAttribute('aria-label')")
            == "Close chat"
        ):
            break
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.activeElement?.classList.contains('l')"
    )
    assert launcher(page).get_attribute("aria-expanded") == "false"


def test_designer_live_preview_is_not_a_keyboard_trap(page: Any, widget_server: Any) -> None:
    """The admin's designer frames the real widget (/admin/preview): keys reach it there too."""
    server = widget_server
    site_key = server.extra["site"]["site_key"]
    page.goto(f"{server.url}/admin/preview?site={site_key}")
    launcher(page).wait_for()
    page.keyboard.press("Tab")
    assert launcher_focused(page)
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.activeElement?.classList.contains('l')"
    )
    page.keyboard.press("Shift+Tab")
    assert not launcher_focused(page)
    names = [n["name"] for n in ax_find(ax_tree(page), "button")]
    assert "Open chat" in names

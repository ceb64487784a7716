"""Issue #14 bullets that had landed without a test of their own, in Debian's Chromium driven with
the keyboard: a host control taking focus under the open desktop panel is not hidden by it (WCAG
2.4.11), the pending bubble keeps its contrast while offline (1.4.3), "Seen" is not an addition
to the live log (not re-announced), and in forced colours the buttons and the panel keep edges."""

from __future__ import annotations

from typing import Any

from widget_helpers import (
    axe_violations,
    embed_on_host,
    launcher,
    open_with_keyboard,
)

SHADOW = "document.querySelector('chinwag-widget').shadowRoot"


def test_a_host_control_under_the_open_panel_is_not_hidden_by_it(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    _, host = embed_on_host(widget_server, host_page)
    page.set_viewport_size({"width": 1200, "height": 800})
    page.goto(host.origin)
    launcher(page).wait_for()
    # a host link painted where the open panel is, after the widget in the tab order
    page.evaluate(
        """() => { const a = document.createElement('a'); a.href = '#under'; a.id = 'under';
        a.textContent = 'Under the panel';
        Object.assign(a.style, {position: 'fixed', right: '60px', bottom: '300px'});
        document.body.append(a); }"""
    )
    open_with_keyboard(page)
    expanded = f"() => {SHADOW}.querySelector('.l').getAttribute('aria-expanded')"
    assert page.evaluate(expanded) == "true"
    # Shift+Tab from the composer leaves the frame backwards; Tab forwards reaches the launcher
    # (now a close control), then the link under the panel: the panel gives way
    page.evaluate(f"() => {SHADOW}.querySelector('.l').focus()")
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.activeElement.id === 'under'")
    page.wait_for_function(f"() => ({expanded})() === 'false'")
    # nothing of the chat is painted over the focused link
    assert (
        page.evaluate(
            """() => { const r = document.getElementById('under').getBoundingClientRect();
        return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).id; }"""
        )
        == "under"
    )
    assert axe_violations(page) == []


def test_pending_contrast_seen_and_forced_colours(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    token, host = embed_on_host(widget_server, host_page)
    staff = agent(widget_server, token)
    page.set_viewport_size({"width": 1200, "height": 800})
    page.goto(host.origin)
    launcher(page).wait_for()
    frame = open_with_keyboard(page)

    # offline: the message waits as a pending bubble, which keeps 4.5:1 (axe checks opacity)
    page.context.set_offline(True)
    frame.get_by_text("You are offline").wait_for()
    page.keyboard.type("are you there?")
    page.keyboard.press("Enter")
    frame.locator(".cw-pending", has_text="are you there?").wait_for()
    assert axe_violations(page) == []
    page.context.set_offline(False)
    staff.wait_for(lambda: staff.messages(), timeout=20, page=page)
    conv = staff.messages()[0]["conversation_id"]
    frame.locator(".cw-mine:not(.cw-pending)", has_text="are you there?").wait_for()

    # "Seen": a change of text in the sent message, not a node added to the log (the log
    # announces additions only)
    frame.evaluate(
        """() => { window.added = [];
        new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((n) =>
          window.added.push(n.textContent)))).observe(document.querySelector('.cw-log'),
          {childList: true, subtree: true}); }"""
    )
    staff.call("conversation.read", {"conversation_id": conv, "seq": 1})
    frame.locator(".cw-mine .cw-meta", has_text="Seen").wait_for()
    staff.say(conv, "Yes, here")
    frame.get_by_text("Yes, here").wait_for()
    added = frame.evaluate("() => window.added")
    assert any("Yes, here" in a for a in added), added  # the observer does see additions
    assert not any("Seen" in a for a in added), added

    # forced colours: every button, the composer, the bubbles, the panel and the launcher have
    # an edge of their own (backgrounds are dropped in that mode)
    page.emulate_media(forced_colors="active")
    frame.wait_for_function("() => matchMedia('(forced-colors: active)').matches")
    edges = frame.evaluate(
        """() => [...document.querySelectorAll('button, textarea, .cw-msg, .cw-panel')]
        .filter((e) => e.getClientRects().length)
        .map((e) => [e.className || e.tagName, getComputedStyle(e).borderTopStyle])"""
    )
    assert len(edges) >= 5 and all(style == "solid" for _, style in edges), edges
    assert page.evaluate(
        f"() => [{SHADOW}.querySelector('.l'), {SHADOW}.querySelector('.p')]"
        ".map((e) => getComputedStyle(e).borderTopStyle)"
    ) == ["solid", "solid"]
    # the icon buttons' glyphs are SVG drawn in the text colour, not characters of a font
    assert frame.evaluate(
        "() => [...document.querySelectorAll('.cw-send, .cw-x')].every((b) =>"
        " b.querySelector('svg') && !b.textContent.trim())"
    )
    assert axe_violations(page) == []

"""Widget 1.1 accessibility in Debian's Chromium, driven with the keyboard: focus is never lost to
the frame's body (pre-chat, conversations, New/End conversation, the agent closing mid-draft),
announcements are in the accessibility tree (CDP), a refused message keeps its text, the mobile
panel is modal, and axe finds nothing in light, dark, right-to-left, mobile and forced colours."""

from __future__ import annotations

from typing import Any

from widget_helpers import (
    ax_find,
    ax_focused,
    ax_live_regions,
    ax_tree,
    axe_violations,
    chat_frame,
    embed_on_host,
    frame_focus,
    launcher,
    open_with_keyboard,
    patch_site,
)

FRAME = "/widget/frame/"


def _tab_to(page: Any, frame: Any, selector: str, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``selector`` has focus in the frame."""
    for _ in range(15):
        if frame.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"Tab never reached {selector}; focus on {frame_focus(frame)}")


def _type(page: Any, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")


SHADOW = "document.querySelector('chinwag-widget').shadowRoot"
# the unread count the loader last told the host page
UNREAD = "window.events.filter((e) => e[0] === 'unread').at(-1)?.[1]"
# the message log scrolls, and is scrolled to its end (the newest message in view)
AT_NEWEST = (
    "() => { const l = document.querySelector('.cw-log');"
    " return l.scrollHeight > l.clientHeight && l.scrollHeight - l.scrollTop - l.clientHeight < 2; }"
)


def _close(page: Any) -> None:
    """Escape closes the chat; focus goes back to the launcher."""
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.activeElement?.classList.contains('l')",
        polling=100,
    )


def _open(page: Any, frame: Any) -> None:
    """Enter on the launcher opens the chat; focus goes into it."""
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'", polling=100)


def _live_texts(page: Any, url_part: str | None = None) -> list[str]:
    """The text of each live region (status, alert, log) of the page or frame."""
    return [text for _, text in ax_live_regions(page, url_part)]


def test_focus_is_never_lost_and_endings_are_announced(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    staff = agent(server, token)
    page.goto(host.origin)
    launcher(page).wait_for()
    frame = open_with_keyboard(page, None)
    assert frame_focus(frame) == "#cw-input"

    # a message typed offline shows as "Sending…" and becomes the sent message in the same list
    # item: it enters the live log once
    page.context.set_offline(True)
    frame.get_by_text("You are offline").wait_for()
    _type(page, "first question")
    pending = frame.locator(".cw-pending", has_text="first question")
    pending.wait_for()
    pending.evaluate("li => (li.dataset.probe = 'same')")
    page.context.set_offline(False)
    staff.wait_for(lambda: staff.messages(), timeout=20, page=page)
    sent = frame.locator(".cw-mine:not(.cw-pending)", has_text="first question")
    sent.wait_for()
    assert sent.get_attribute("data-probe") == "same"
    assert frame.locator(".cw-log").get_attribute("aria-relevant") == "additions"
    conv = staff.messages()[0]["conversation_id"]

    # the log follows new messages (opened scrolled to the newest)
    for i in range(25):
        staff.say(conv, f"answer line {i}")
    # exact: "answer line 2" sent at 4:13 PM reads "answer line 24:13 PM" as a whole item
    frame.get_by_text("answer line 24", exact=True).wait_for()
    frame.wait_for_function(AT_NEWEST, polling=100)
    assert axe_violations(page) == []

    # closed panel: a new agent message is read from a live region of the host page
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.activeElement?.classList.contains('l')"
    )
    staff.say(conv, "Still need help?")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.querySelector('[role=status]').textContent.includes('Still need help?')"
    )
    assert "New message: Still need help?" in _live_texts(page)
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    # reopened, the log shows the message that came while it was closed, and again after a
    # second close, and it follows while open
    frame.wait_for_function(AT_NEWEST, polling=100)
    for i in range(2):
        _close(page)
        staff.say(conv, f"while closed {i}")
        frame.get_by_text(f"while closed {i}", exact=True).wait_for(state="attached")
        _open(page, frame)
        frame.wait_for_function(AT_NEWEST, polling=100)
        staff.say(conv, f"while open {i}")
        frame.get_by_text(f"while open {i}", exact=True).wait_for()
        frame.wait_for_function(AT_NEWEST, polling=100)
    # a busy machine shows the frame only after it handled "open" (it measured 0x0 then, and
    # nothing renders once it is shown): held hidden here until then, it still opens at the
    # newest message, with focus in the composer
    _close(page)
    staff.say(conv, "while it was hidden")
    page.wait_for_function(f"() => {UNREAD} === 1", polling=100)
    page.evaluate(
        f"() => {{ const r = {SHADOW}; window.held = new CSSStyleSheet();"
        " window.held.replaceSync('.p{display:none!important}');"
        " r.adoptedStyleSheets = [...r.adoptedStyleSheets, window.held]; }"
    )
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => {UNREAD} === 0", polling=100)  # the frame read it, hidden
    page.evaluate(f"() => {SHADOW}.adoptedStyleSheets.pop()")
    frame.wait_for_function(AT_NEWEST, polling=100)
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'", polling=100)
    # a reload with the conversation open: the frame renders it while hidden (created when the
    # page is idle), then opens at the newest message
    page.reload()
    launcher(page).wait_for()
    frame = chat_frame(page)
    frame.get_by_text("while it was hidden", exact=True).wait_for(state="attached")
    frame = open_with_keyboard(page)
    frame.wait_for_function(AT_NEWEST, polling=100)

    # End conversation is confirmed first; focus goes to the question, then to New conversation
    _tab_to(page, frame, ".cw-end")
    page.keyboard.press("Enter")
    frame.locator(".cw-ask").wait_for()
    group = ax_find(ax_tree(page, FRAME), "group")
    assert any("End this conversation?" in g["name"] for g in group)
    focused = ax_focused(page, FRAME)
    assert focused and focused["name"] == "Keep chatting"
    page.keyboard.press("Tab")
    assert frame.evaluate("() => document.activeElement.textContent") == "End it"
    page.keyboard.press("Enter")
    frame.locator(".cw-new").wait_for()
    frame.wait_for_function("() => document.activeElement.classList.contains('cw-new')")
    assert ("status", "This conversation has ended.") in ax_live_regions(page, FRAME)
    assert axe_violations(page) == []

    # New conversation: focus on the composer
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    _type(page, "second question")
    staff.wait_for(lambda: len(staff.messages()) == 2, page=page)
    conv2 = staff.messages()[1]["conversation_id"]
    assert conv2 != conv

    # the agent ends the conversation while the visitor is typing: the draft survives, focus
    # goes to New conversation, and the ending is announced
    page.keyboard.type("half a thought")
    staff.call("conversation.close", {"conversation_id": conv2})
    frame.wait_for_function("() => document.activeElement.classList.contains('cw-new')")
    assert ("status", "This conversation has ended.") in ax_live_regions(page, FRAME)
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    assert frame.locator("#cw-input").input_value() == "half a thought"

    # Your conversations: choosing one moves focus into it (an ended one: to New conversation)
    _tab_to(page, frame, ".cw-head .cw-hbtn:not(.cw-x)", back=True)
    page.keyboard.press("Enter")
    frame.locator(".cw-list").wait_for()
    _tab_to(page, frame, ".cw-list li button")
    page.keyboard.press("Enter")
    frame.wait_for_function(
        "() => ['cw-input'].includes(document.activeElement.id) || document.activeElement.classList.contains('cw-new')"
    )


def test_a_refused_message_keeps_its_text_tied_to_the_error(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    server = widget_server
    _, host = embed_on_host(server, host_page)
    page.goto(host.origin)
    launcher(page).wait_for()
    frame = open_with_keyboard(page, None)
    limit = int(frame.locator("#cw-input").get_attribute("maxlength"))
    assert limit == 4000
    # the composer cannot take more than the limit; a page's Chinwag('send', …) can
    page.evaluate("n => Chinwag('send', 'x'.repeat(n))", limit + 1)
    alert = frame.locator("#cw-err[role=alert]")
    alert.wait_for()
    assert alert.inner_text() == "Not sent: messages are limited to 4000 characters."
    box = frame.locator("#cw-input")
    assert box.input_value() == "x" * (limit + 1)
    assert box.get_attribute("aria-invalid") == "true"
    assert box.get_attribute("aria-describedby") == "cw-err"
    [node] = ax_find(ax_tree(page, FRAME), "textbox", "Message")
    assert node["props"].get("invalid") == "true"
    assert "limited to 4000 characters" in node["description"]
    assert axe_violations(page) == []
    # no developer text reaches the visitor
    assert "413" not in frame.locator(".cw-panel").inner_text()


def test_prechat_consent_is_described_errors_are_text_and_focus_moves_on(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    server = widget_server
    _, host = embed_on_host(
        server,
        host_page,
        prechat_form=True,
        consent_required=True,
        consent_text="We keep your messages for one year.",
    )
    fail = {"mode": "network"}

    def session_route(route: Any) -> None:
        if fail["mode"] == "network":
            route.abort()
        elif fail["mode"] == "503":
            route.fulfill(
                status=503, body="<html>Service Unavailable</html>", content_type="text/html"
            )
        else:
            route.continue_()

    page.route("**/api/v1/widget/session", session_route)
    page.goto(host.origin)
    launcher(page).wait_for()
    frame = open_with_keyboard(page, None)
    assert frame_focus(frame) == "#cw-name"
    # the consent boxes are drawn by the consent chunk, which may arrive after the form
    frame.get_by_role("checkbox", name="I agree").wait_for()
    nodes = ax_tree(page, FRAME)
    [box] = ax_find(nodes, "checkbox", "I agree")
    assert box["description"] == "We keep your messages for one year."
    assert box["props"].get("invalid") in (None, "false")  # not invalid before any interaction
    assert axe_violations(page) == []

    # a bad email and no consent: text errors tied to the fields, focus on the first
    page.keyboard.press("Tab")
    page.keyboard.type("not-an-email")
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-email'")
    focused = ax_focused(page, FRAME)
    assert focused and focused["props"].get("invalid") == "true"
    assert focused["description"] == "Enter an email address like name@example.com."
    [box] = ax_find(ax_tree(page, FRAME), "checkbox", "I agree")
    assert "Please agree to continue." in box["description"]
    assert axe_violations(page) == []
    page.keyboard.press("Control+A")
    page.keyboard.type("ada@example.com")
    _tab_to(page, frame, "#cw-consent")
    page.keyboard.press("Space")

    # the request fails: a sentence for people, not "Failed to fetch"
    page.keyboard.press("Enter")
    alert = frame.locator(".cw-prechat [role=alert]")
    alert.wait_for()
    assert alert.inner_text() == (
        "We could not reach the chat. Check your connection and try again."
    )
    fail["mode"] = "503"
    _tab_to(page, frame, ".cw-prechat button[type=submit]")
    page.keyboard.press("Enter")
    frame.get_by_text("Chat is unavailable right now.").first.wait_for()
    assert "Failed to fetch" not in frame.locator(".cw-panel").inner_text()
    assert "Service Unavailable" not in frame.locator(".cw-panel").inner_text()

    # it works: focus lands on the composer, not on the frame's body
    fail["mode"] = "ok"
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")


def test_mobile_panel_is_modal_and_axe_is_clean_in_every_look(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto(host.origin)
    launcher(page).wait_for()
    frame = open_with_keyboard(page, None)
    # the host content under the full-screen panel is inert: not focusable, not in the tree
    assert page.evaluate("() => document.querySelector('main').inert") is True
    for _ in range(8):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("() => document.activeElement.id") != "help"
    assert not ax_find(ax_tree(page), "button", "Help with this page")
    # axe: nothing in the chat; on the host page only what inert means (its main and h1 are
    # hidden from assistive technology while the modal panel is open)
    found = axe_violations(page)
    assert [v for v in found if FRAME in v["frame"]] == []
    assert {v["id"] for v in found} <= {"landmark-one-main", "page-has-heading-one"}
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('main').inert")
    assert ax_find(ax_tree(page), "button", "Help with this page")

    # 320 px wide with WCAG 1.4.12 text spacing: the team name wraps, it is not cut off
    page.set_viewport_size({"width": 320, "height": 640})
    patch_site(server, token, widget_settings={"team_name": "The very helpful support team"})
    page.reload()
    launcher(page).wait_for()
    frame = open_with_keyboard(page, None)
    # (a constructable sheet, like a user style sheet: the frame's CSP forbids inline styles)
    frame.evaluate(
        """() => { const s = new CSSStyleSheet();
        s.replaceSync('*{line-height:1.5!important;letter-spacing:.12em!important;'
          + 'word-spacing:.16em!important}p{margin-bottom:2em!important}');
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, s]; }"""
    )
    h1 = frame.locator(".cw-head h1")
    assert h1.evaluate("h => h.scrollWidth <= h.clientWidth")
    assert h1.inner_text() == "The very helpful support team"

    # light, dark, right-to-left, forced colours (desktop, the panel open): no violations
    page.set_viewport_size({"width": 1200, "height": 800})
    page.wait_for_function("() => !document.querySelector('main').inert")
    for media in ({"color_scheme": "dark"}, {"forced_colors": "active"}):
        page.emulate_media(**media)
        assert axe_violations(page) == [], media
    page.emulate_media(forced_colors="none", color_scheme="light")
    page.evaluate("() => Chinwag('setLocale', 'ar')")
    frame.wait_for_function("() => document.documentElement.dir === 'rtl'")
    assert frame.locator("#cw-input").get_attribute("dir") == "auto"
    assert axe_violations(page) == []

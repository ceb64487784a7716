"""The widget's extension surface in Chromium, as a visitor uses it: features declared by a
pip-installed third-party plugin (tests/plugins/helpdesk) and by the media plugin appear in their
places, work with the keyboard, pass axe-core in every state, round-trip to the plugin, and go
away from an open widget when an admin turns the plugin off."""

from __future__ import annotations

import time
from typing import Any

import requests
from slot_helpers import eventually, received, toggle
from widget_helpers import axe_violations, chat_frame, embed_on_host, launcher

HELPDESK = "chinwag-helpdesk"


def _open(page: Any, server: Any, host_page: Any, enable: bool = True) -> tuple[str, Any]:
    token, host = embed_on_host(server, host_page)
    if enable:
        toggle(server, token, HELPDESK, True)
    page.goto(host.origin)
    launcher(page).click()
    return token, chat_frame(page)


def _settled(frame: Any, *selectors: str, timeout: float = 30) -> list[Any]:
    """The bounding boxes of ``selectors`` once they stayed the same over three looks 0.2 s
    apart (a busy machine paints a feature's chunk late)."""
    deadline = time.monotonic() + timeout
    seen: list[list[Any]] = []
    while time.monotonic() < deadline:
        seen = [*seen[-2:], [frame.locator(s).bounding_box() for s in selectors]]
        if len(seen) == 3 and seen[0] == seen[1] == seen[2]:
            return seen[0]
        time.sleep(0.2)
    raise AssertionError(f"{selectors} kept moving: {seen}")


def _ping(frame: Any) -> Any:
    """Ask the test plugin's bot; return its answer once it shows the thumbs under it."""
    frame.fill("#cw-input", "ping")
    frame.press("#cw-input", "Enter")
    pong = frame.locator(".cw-theirs", has_text="pong")
    pong.get_by_role("button", name="Not helpful").wait_for()
    return pong


def _focused(frame: Any) -> str:
    return str(
        frame.evaluate(
            "() => { const e = document.activeElement; return e.getAttribute('aria-label') || e.id || e.textContent.trim() }"
        )
    )


def test_message_actions_thumbs_reason_and_comment(
    page: Any, features_server: Any, host_page: Any
) -> None:
    server = features_server
    token, frame = _open(page, server, host_page)
    pong = _ping(frame)
    # the controls sit under the bot's answer only, in a labelled form
    actions = pong.get_by_role("form", name="Was this answer helpful?")
    actions.get_by_role("button", name="Not helpful").wait_for()
    assert frame.locator(".cw-mine .cw-mact").count() == 0
    assert axe_violations(page) == []

    # keyboard: Tab from "Helpful" to "Not helpful", Space presses it
    actions.get_by_role("button", name="Helpful", exact=True).focus()
    frame.page.keyboard.press("Tab")
    assert _focused(frame) == "Not helpful"
    frame.page.keyboard.press("Space")
    reasons = actions.get_by_role("group", name="What went wrong?")
    reasons.wait_for()
    # focus moves into what replaced the button (not lost to the document; it moves after the
    # new controls are painted, which a busy machine does late)
    eventually(lambda: frame.evaluate("() => document.activeElement.type") == "radio", page)
    assert axe_violations(page) == []
    frame.page.keyboard.press("ArrowDown")  # picks "It was unclear" and submits at once
    comment = actions.get_by_role("textbox", name="Anything to add?")
    comment.wait_for()
    assert actions.get_by_text("Reason: It was unclear").is_visible()
    eventually(lambda: frame.evaluate("() => document.activeElement.tagName") == "TEXTAREA", page)
    assert axe_violations(page) == []
    _shot(page, "message-actions")
    frame.page.keyboard.type("The steps were out of order")
    frame.page.keyboard.press("Tab")
    frame.page.keyboard.press("Enter")
    actions.get_by_role("status").filter(has_text="Thanks, we will do better.").wait_for()
    assert axe_violations(page) == []

    got = [r for r in received(server, token) if r["event"] == "rate"]
    pong_id = got[0]["message_id"]
    assert [(r["payload"], r["values"]) for r in got] == [
        ({"value": "down"}, {}),
        ({"step": "reason"}, {"reason": "unclear"}),
        ({"step": "comment"}, {"comment": "The steps were out of order"}),
    ]
    assert all(r["message_id"] == pong_id and r["actor"]["kind"] == "visitor" for r in got)

    # answered once: after a reload the message shows the outcome, not the thumbs again
    page.reload()
    launcher(page).click()
    frame = chat_frame(page)
    pong = frame.locator(".cw-theirs", has_text="pong")
    pong.get_by_text("Thanks, we will do better.").wait_for()
    assert pong.get_by_role("button", name="Not helpful").count() == 0


def test_composer_assist_debounced_keyboard_and_polite(
    page: Any, features_server: Any, host_page: Any
) -> None:
    server = features_server
    token, frame = _open(page, server, host_page)
    # measured once the panel has settled (its features' chunks load after the panel shows)
    box, log = _settled(frame, ".cw-compose", ".cw-log")
    frame.locator("#cw-input").press_sequentially("how do I get a refund", delay=15)
    listbox = frame.get_by_role("listbox", name="Suggested articles")
    listbox.wait_for()
    assert listbox.get_by_role("option").all_inner_texts()[0].startswith("Ask for a refund")
    # debounced: one query for a burst of keystrokes, not one per key
    asked = [r for r in received(server, token) if r["event"] == "suggest"]
    assert 1 <= len(asked) <= 3 and asked[-1]["text"] == "how do I get a refund"
    # no layout shift: the results float over the log
    assert frame.locator(".cw-compose").bounding_box() == box
    assert frame.locator(".cw-log").bounding_box() == log
    # announced politely
    status = frame.locator(".cw-assist [role=status]")
    assert status.inner_text() == "1 suggestion. Use the down arrow, then Enter."
    assert axe_violations(page) == []

    frame.page.keyboard.press("ArrowDown")
    option = listbox.get_by_role("option").first
    assert option.get_attribute("aria-selected") == "true"
    assert frame.locator("#cw-input").get_attribute(
        "aria-activedescendant"
    ) == option.get_attribute("id")
    assert axe_violations(page) == []
    _shot(page, "composer-assist")
    frame.page.keyboard.press("Enter")  # picks the article: into the composer, nothing sent
    assert frame.locator("#cw-input").input_value() == "Ask for a refund"
    assert listbox.count() == 0
    assert frame.locator(".cw-mine").count() == 0

    # Escape closes the results and leaves the chat open; typing on cancels older queries
    frame.locator("#cw-input").fill("")
    frame.locator("#cw-input").press_sequentially("shipping", delay=15)
    listbox.wait_for()
    frame.page.keyboard.press("Escape")
    assert listbox.count() == 0
    assert launcher(page).get_attribute("aria-expanded") == "true"
    frame.locator("#cw-input").press_sequentially(" times", delay=15)
    listbox.wait_for()
    # a newer query replaces an older one: no stale "shipping" results after "zzzz"
    frame.locator("#cw-input").fill("")
    frame.locator("#cw-input").press_sequentially("zzzz", delay=15)
    eventually(
        lambda: (
            [r["text"] for r in received(server, token) if r["event"] == "suggest"][-1] == "zzzz"
        ),
        page,
    )
    listbox.wait_for(state="detached")
    assert status.inner_text() == ""


def test_turning_plugins_off_removes_their_ui_from_an_open_widget(
    page: Any, features_server: Any, host_page: Any
) -> None:
    server = features_server
    token, frame = _open(page, server, host_page)
    pong = _ping(frame)
    attach = frame.get_by_role("button", name="Attach a file")
    attach.wait_for()
    visitor = frame.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':session'))))"
    )

    toggle(server, token, "chinwag-media", False)
    attach.wait_for(state="detached", timeout=5000)
    # the endpoint answers with a stable code and a human message, never Flask's raw 404
    res = requests.post(
        f"{server.url}/api/v1/plugins/chinwag-media/uploads",
        headers={"Authorization": f"Visitor {visitor['visitor_token']}", "Origin": server.url},
        files={"file": ("a.txt", b"hello")},
        timeout=10,
    )
    assert res.status_code == 404
    assert res.json()["error"] == {
        "code": "plugin_disabled",
        "message": "This feature is turned off on this site.",
    }
    toggle(server, token, HELPDESK, False)
    pong.get_by_role("button", name="Not helpful").wait_for(state="detached", timeout=5000)
    assert frame.get_by_role("button", name="Help").count() == 0
    assert axe_violations(page) == []

    toggle(server, token, "chinwag-media", True)
    attach.wait_for(timeout=5000)
    eventually(lambda: frame.locator(".cw-compose button").count() == 2, page)


def _shot(page: Any, name: str) -> None:
    """With CHINWAG_SCREENSHOTS=<dir>, keep a screenshot for docs/widget-features.md."""
    import os

    where = os.environ.get("CHINWAG_SCREENSHOTS")
    if where:
        page.locator("chinwag-widget iframe").screenshot(path=f"{where}/{name}.png")


def test_help_tab_lists_searches_and_reads_articles_in_rtl_and_dark(
    page: Any, features_server: Any, host_page: Any
) -> None:
    server = features_server
    _token, frame = _open(page, server, host_page)
    sections = frame.get_by_role("navigation", name="Sections")
    help_tab = sections.get_by_role("button", name="Help")
    help_tab.focus()
    frame.page.keyboard.press("Enter")
    assert help_tab.get_attribute("aria-current") == "page"
    panel = frame.get_by_role("region", name="Help")
    articles = panel.get_by_role("list", name="Articles")
    articles.wait_for()
    assert articles.get_by_role("listitem").count() == 3
    assert axe_violations(page) == []
    _shot(page, "panel-tab")

    search = panel.get_by_role("textbox", name="Search articles")
    search.fill("refund")
    search.press("Enter")
    eventually(lambda: articles.get_by_role("listitem").count() == 1, page)
    item = articles.get_by_role("button", name="Ask for a refund")
    item.focus()
    frame.page.keyboard.press("Enter")
    panel.get_by_role("heading", name="Ask for a refund").wait_for()
    assert panel.get_by_text("Refunds are paid within 5 days").is_visible()
    # focus follows the content that replaced the list (the Back button), once it has rendered
    frame.wait_for_function(
        "() => document.activeElement.textContent.trim() === 'Back to articles'"
    )
    assert axe_violations(page) == []
    frame.page.keyboard.press("Enter")
    articles.wait_for()

    # right-to-left and dark: the same panel, still accessible
    page.evaluate("() => Chinwag('setLocale', 'ar')")
    frame.wait_for_function("() => document.documentElement.dir === 'rtl'")
    frame.evaluate("() => (document.documentElement.dataset.theme = 'dark')")
    assert axe_violations(page) == []
    _shot(page, "panel-tab-rtl-dark")
    frame.get_by_role("navigation", name="الأقسام").get_by_role("button", name="الرسائل").click()
    frame.locator("#cw-input").wait_for()


def test_display_preferences_apply_css_custom_properties(
    page: Any, features_server: Any, host_page: Any
) -> None:
    server = features_server
    token, frame = _open(page, server, host_page)
    base = frame.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    frame.get_by_role("navigation", name="Sections").get_by_role("button", name="Display").click()
    size = frame.get_by_role("group", name="Text size")
    normal = size.get_by_role("radio", name="Normal")
    assert normal.is_checked()
    normal.focus()
    frame.page.keyboard.press("ArrowDown")
    assert size.get_by_role("radio", name="Large", exact=True).is_checked()
    root = "document.documentElement"
    assert frame.evaluate(f"() => {root}.style.getPropertyValue('--cw-font-scale')") == "1.25"
    assert (
        frame.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") == base * 1.25
    )
    frame.get_by_role("group", name="Animations").get_by_role("radio", name="Off").check()
    assert frame.evaluate(f"() => {root}.dataset.cwMotion") == "0"
    assert axe_violations(page) == []
    _shot(page, "preferences")

    # kept for the visitor: a reload applies them before anything is shown
    page.reload()
    launcher(page).click()
    frame = chat_frame(page)
    frame.wait_for_function(f"() => {root}.style.getPropertyValue('--cw-font-scale') === '1.25'")
    # turning the plugin off takes its preferences away too
    toggle(server, token, HELPDESK, False)
    frame.wait_for_function(
        f"() => !{root}.style.getPropertyValue('--cw-font-scale')", timeout=5000
    )


def test_prompt_card_shown_once_dismissible_and_answered(
    page: Any, features_server: Any, host_page: Any
) -> None:
    server = features_server
    token, frame = _open(page, server, host_page)
    _ping(frame)
    visitor_id = frame.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':session')))).visitor_id"
    )
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{server.url}/api/v1/plugins/{HELPDESK}/prompt"

    requests.post(url, json={"visitor_id": visitor_id, "id": "s1"}, headers=auth, timeout=10)
    card = frame.get_by_role("region", name="How did we do?")
    card.wait_for()
    assert axe_violations(page) == []
    _shot(page, "prompt")
    card.get_by_role("button", name="Great").click()
    card.get_by_role("status").filter(has_text="Thank you!").wait_for()
    assert axe_violations(page) == []
    survey = [r for r in received(server, token) if r["event"] == "survey"]
    assert [r["payload"] for r in survey] == [{"value": "great"}]

    # dismissed with the keyboard; focus goes back to the composer
    card.get_by_role("button", name="Dismiss").focus()
    frame.page.keyboard.press("Enter")
    card.wait_for(state="detached")
    assert _focused(frame) == "cw-input"

    # shown once: the same prompt again is not shown, a new one is
    requests.post(url, json={"visitor_id": visitor_id, "id": "s1"}, headers=auth, timeout=10)
    requests.post(url, json={"visitor_id": visitor_id, "id": "s2"}, headers=auth, timeout=10)
    frame.get_by_role("region", name="How did we do?").wait_for()
    assert frame.get_by_role("region", name="How did we do?").count() == 1
    page.reload()
    launcher(page).click()
    frame = chat_frame(page)
    requests.post(url, json={"visitor_id": visitor_id, "id": "s2"}, headers=auth, timeout=10)
    frame.locator(".cw-theirs", has_text="pong").wait_for()
    page.wait_for_timeout(1000)
    assert frame.get_by_role("region", name="How did we do?").count() == 0


def test_proactive_rules_custom_event_url_and_frequency_cap(
    page: Any, features_server: Any, host_page: Any
) -> None:
    server = features_server
    token, host = embed_on_host(server, host_page)
    toggle(server, token, HELPDESK, True)
    page.goto(host.origin + "/pricing/plans")
    launcher(page).wait_for()
    # before the chat is opened: the host page's custom event fires a rule; the launcher says so
    page.evaluate("() => Chinwag('track', 'pricing')")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.querySelector('button.l').getAttribute('aria-label').includes('1 unread')"
    )
    launcher(page).click()
    frame = chat_frame(page)
    log = frame.get_by_role("log")
    log.get_by_text("Questions about pricing?").wait_for()
    # the URL rule is evaluated on the page the chat was opened on
    log.get_by_text("Comparing plans? Ask us.").wait_for()
    assert axe_violations(page) == []
    _shot(page, "proactive")

    # frequency cap: the next page view does not greet again
    page.reload()
    page.evaluate("() => Chinwag('track', 'pricing')")
    launcher(page).click()
    frame = chat_frame(page)
    frame.locator("#cw-input").wait_for()
    page.wait_for_timeout(1500)
    assert frame.get_by_text("Questions about pricing?").count() == 0
    assert frame.get_by_text("Comparing plans? Ask us.").count() == 0


def test_every_slot_right_to_left_and_dark_has_no_axe_violation(
    page: Any, features_server: Any, host_page: Any
) -> None:
    """A site in Arabic with the dark theme (the Help tab has its own test above): proactive
    greetings, thumbs then reasons then the outcome, assist results, a prompt card and the
    display preferences, each state driven by the keyboard and checked by axe-core."""
    server = features_server
    token, host = embed_on_host(server, host_page, theme="dark", locale="ar")
    toggle(server, token, HELPDESK, True)
    page.goto(host.origin + "/pricing/plans")
    launcher(page).wait_for()
    page.evaluate("() => Chinwag('track', 'pricing')")
    launcher(page).click()
    frame = chat_frame(page)
    root = frame.evaluate(
        "() => ({dir: document.documentElement.dir, theme: document.documentElement.dataset.theme,"
        " bg: getComputedStyle(document.body).backgroundColor})"
    )
    assert root == {"dir": "rtl", "theme": "dark", "bg": "rgb(28, 28, 30)"}
    log = frame.get_by_role("log")
    log.get_by_text("Questions about pricing?").wait_for()
    log.get_by_text("Comparing plans? Ask us.").wait_for()
    assert axe_violations(page) == []

    # message actions: thumbs, the reasons, the outcome
    pong = _ping(frame)
    actions = pong.get_by_role("form", name="Was this answer helpful?")
    assert axe_violations(page) == []
    actions.get_by_role("button", name="Not helpful").focus()
    frame.page.keyboard.press("Enter")
    actions.get_by_role("group", name="What went wrong?").wait_for()
    eventually(lambda: frame.evaluate("() => document.activeElement.type") == "radio", page)
    assert axe_violations(page) == []
    # a plugin's English text keeps its own direction in the Arabic widget ("What went wrong?")
    bidi = "e => getComputedStyle(e).unicodeBidi"
    assert actions.locator("legend").evaluate(bidi) == "plaintext"
    _shot(page, "message-actions-rtl-dark")
    frame.page.keyboard.press("ArrowDown")
    actions.get_by_role("textbox", name="Anything to add?").wait_for()
    eventually(lambda: frame.evaluate("() => document.activeElement.tagName") == "TEXTAREA", page)
    frame.page.keyboard.press("Tab")
    frame.page.keyboard.press("Enter")
    actions.get_by_role("status").filter(has_text="Thanks, we will do better.").wait_for()
    assert axe_violations(page) == []

    # composer assist: the results and the chosen one
    frame.locator("#cw-input").press_sequentially("how do I get a refund", delay=15)
    listbox = frame.get_by_role("listbox", name="Suggested articles")
    listbox.wait_for()
    frame.page.keyboard.press("ArrowDown")
    assert listbox.get_by_role("option").first.get_attribute("aria-selected") == "true"
    assert axe_violations(page) == []
    frame.page.keyboard.press("Escape")
    listbox.wait_for(state="detached")
    frame.locator("#cw-input").fill("")

    # a prompt card, answered
    visitor_id = frame.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':session')))).visitor_id"
    )
    requests.post(
        f"{server.url}/api/v1/plugins/{HELPDESK}/prompt",
        json={"visitor_id": visitor_id, "id": "rtl"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).raise_for_status()
    card = frame.get_by_role("region", name="How did we do?")
    card.wait_for()
    assert axe_violations(page) == []
    card.get_by_role("button", name="Poor").focus()
    frame.page.keyboard.press("Enter")
    card.get_by_role("status").filter(has_text="Thank you!").wait_for()
    assert axe_violations(page) == []

    # display preferences, chosen with the arrow keys
    sections = frame.get_by_role("navigation", name="الأقسام")
    sections.get_by_role("button", name="Display").click()
    size = frame.get_by_role("group", name="Text size")
    size.get_by_role("radio", name="Normal").focus()
    frame.page.keyboard.press("ArrowDown")
    assert size.get_by_role("radio", name="Large", exact=True).is_checked()
    assert axe_violations(page) == []


def test_feature_chunks_are_fetched_only_when_declared(
    page: Any, features_server: Any, host_page: Any, widget_build: dict[str, Any]
) -> None:
    server = features_server
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    token, frame = _open(page, server, host_page, enable=False)
    frame.get_by_role("button", name="Attach a file").wait_for()
    chunks = widget_build["chunks"]
    got = {kind for kind, path in chunks.items() if any(u.endswith(path) for u in fetched)}
    # media is on, and the core's Privacy tab; the helpdesk's places are not declared
    assert got == {"attachments", "consent"}
    # turned on while the widget is open: its places' chunks arrive and render
    toggle(server, token, HELPDESK, True)
    frame.get_by_role("navigation", name="Sections").get_by_role("button", name="Help").wait_for(
        timeout=5000
    )
    got = {kind for kind, path in chunks.items() if any(u.endswith(path) for u in fetched)}
    # every chunk (the core's Privacy tab is on every site: delete my history, transcript) but
    # the host page's events, which the helpdesk does not declare (test_widget_analytics_browser)
    assert got == set(chunks) - {"host_events"}

"""What site owners configure and visitors notice, in Debian's Chromium with the keyboard: launcher
styles (text, image, hidden with the site's own button), greetings and strings per language, console
warnings for a wrong site key or origin, and buttons that answer with their label."""

from __future__ import annotations

from typing import Any

from widget_helpers import (
    ax_find,
    ax_focused,
    ax_tree,
    axe_violations,
    chat_frame,
    embed_on_host,
    launcher,
    launcher_focused,
)

FRAME = "/widget/frame/"
OWN_BUTTON_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><main><h1>Shop</h1><button type="button" id="mine">Talk to us</button></main>
<script nonce="n0nce">
window.Chinwag = window.Chinwag || function () { (Chinwag.q = Chinwag.q || []).push(arguments); };
document.getElementById("mine").onclick = function () { Chinwag("open"); };
</script>
<script src="{chinwag}/widget/chinwag.js" data-site="{site_key}" async></script></body></html>"""


def test_text_launcher_greeting_and_strings_per_language(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    server = widget_server
    _, host = embed_on_host(
        server,
        host_page,
        locale="de",
        launcher_style="text",
        launcher_text="Chat mit uns",
        greetings=["de: Hallo! Wie können wir helfen?", "ja: こんにちは"],
    )
    page.goto(host.origin)
    launcher(page).wait_for()
    assert launcher(page).inner_text() == "Chat mit uns"
    # the visible words are the accessible name; the launcher says it is German on an English page
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert launcher_focused(page)
    node = ax_focused(page)
    assert node and node["name"] == "Chat mit uns"
    assert page.evaluate(
        "() => document.querySelector('chinwag-widget').shadowRoot.querySelector('div').lang"
    ) == ("de")
    assert axe_violations(page) == []

    page.keyboard.press("Enter")
    frame = chat_frame(page)
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    frame.get_by_text("Hallo! Wie können wir helfen?").wait_for()
    assert ax_find(ax_tree(page, FRAME), "textbox", "Nachricht")
    # open, the launcher is a close control with a close (x) icon
    node = next(n for n in ax_find(ax_tree(page), "button") if n["props"].get("expanded"))
    assert node["name"] == "Chat schließen"
    d = page.evaluate(
        "() => document.querySelector('chinwag-widget').shadowRoot.querySelector('path').getAttribute('d')"
    )
    icons = frame.evaluate("() => fetch('/widget/icons.json').then(r => r.json())")
    assert d == icons["close"]
    # no text glyphs for icons: the composer's buttons draw SVG
    assert frame.locator(".cw-send svg path").count() == 1

    # another language at run time: its strings, and the greeting re-chosen for it
    page.evaluate("() => Chinwag('setLocale', 'ja')")
    frame.wait_for_function("() => document.documentElement.lang === 'ja'")
    frame.get_by_role("button", name="送信").wait_for()
    assert frame.evaluate("() => document.documentElement.lang") == "ja"
    frame.get_by_role("log").get_by_text("こんにちは").wait_for()
    assert frame.get_by_text("Hallo! Wie können wir helfen?").count() == 0
    # a language without a line of its own: the site's default greeting
    page.evaluate("() => Chinwag('setLocale', 'fr-CA')")
    frame.wait_for_function("() => document.documentElement.lang === 'fr-CA'")
    frame.get_by_role("log").get_by_text("Hi! How can we help?").wait_for()
    assert axe_violations(page) == []


def test_image_launcher_keeps_its_name_and_becomes_a_close_control(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    image = "https://cdn.example.com/face.png"
    _, host = embed_on_host(
        widget_server, host_page, launcher_style="image", launcher_image_url=image
    )
    page.goto(host.origin)
    launcher(page).wait_for()
    shown = """() => { const r = document.querySelector('chinwag-widget').shadowRoot;
      return [...r.querySelectorAll('.l img, .l svg')].map((e) =>
        [e.tagName, getComputedStyle(e).display !== 'none']); }"""
    # the site's picture instead of the icon; decorative (alt=""), the button keeps its name
    assert page.evaluate(shown) == [["IMG", True], ["svg", False]]
    assert launcher(page).locator("img").get_attribute("src") == image
    assert launcher(page).locator("img").get_attribute("alt") == ""
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert launcher_focused(page)
    node = ax_focused(page)
    assert node and node["name"] == "Open chat"
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    # open: the picture gives way to the close (x) icon, and the button says so
    assert page.evaluate(shown) == [["IMG", False], ["svg", True]]
    node = next(n for n in ax_find(ax_tree(page), "button") if n["props"].get("expanded"))
    assert node["name"] == "Close chat"
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot"
        ".querySelector('.l').getAttribute('aria-expanded') === 'false'"
    )
    assert page.evaluate(shown) == [["IMG", True], ["svg", False]]
    assert axe_violations(page) == []


def test_hidden_launcher_opens_from_the_sites_own_button(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    server = widget_server
    _, host = embed_on_host(server, host_page, launcher_style="hidden")
    host.html = (
        OWN_BUTTON_PAGE.replace("{chinwag}", server.url)
        .replace("{site_key}", server.extra["site"]["site_key"])
        .encode()
    )
    page.goto(host.origin)
    page.wait_for_function("() => document.querySelector('chinwag-widget')")
    assert not launcher(page).is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "mine"
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    page.keyboard.press("Escape")
    # focus returns to the button that opened it, since there is no launcher
    page.wait_for_function("() => document.activeElement.id === 'mine'")


def test_console_says_why_there_is_no_launcher(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    server = widget_server
    warnings: list[str] = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    host = host_page(server, strict=False)  # not on the site's allowed origins
    page.goto(host.origin)
    page.wait_for_load_state("networkidle")
    assert page.locator("chinwag-widget").count() == 0
    assert any(
        w.startswith(f"Chinwag: {host.origin} is not an allowed origin of this site")
        for w in warnings
    ), warnings

    warnings.clear()
    wrong = host_page(server, strict=False, site_key="site_doesnotexist")
    page.goto(wrong.origin)
    page.wait_for_load_state("networkidle")
    assert any('Chinwag: no site "site_doesnotexist"' in w for w in warnings), warnings


def test_buttons_answer_with_their_label_and_are_spent(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    staff = agent(server, token)
    page.goto(host.origin)
    launcher(page).click()
    frame = chat_frame(page)
    frame.fill("#cw-input", "I want a refund")
    frame.press("#cw-input", "Enter")
    conv = staff.wait_for(lambda: staff.messages())[0]["conversation_id"]
    staff.say(
        conv,
        "Shall we refund your order?",
        [
            {
                "type": "buttons",
                "buttons": [
                    {"label": "Yes, refund me", "value": "refund_yes"},
                    {"label": "No", "value": "refund_no"},
                ],
            }
        ],
    )
    chip = frame.get_by_role("button", name="Yes, refund me")
    chip.focus()
    page.keyboard.press("Enter")
    staff.wait_for(lambda: len(staff.messages()) == 2, page=page)
    assert staff.messages()[1]["text"] == "refund_yes"  # the bot gets the value
    # the visitor reads the label they chose, and the buttons are spent
    frame.locator(".cw-mine:not(.cw-pending)", has_text="Yes, refund me").wait_for()
    assert frame.locator(".cw-mine", has_text="refund_yes").count() == 0
    assert chip.get_attribute("aria-disabled") == "true"
    chip.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert len(staff.messages()) == 2
    assert axe_violations(page) == []

"""The widget in Debian's Chromium against a live Chinwag server, embedded on another origin."""

from __future__ import annotations

import json
import time
from typing import Any

from widget_helpers import (
    admin_token,
    axe_violations,
    chat_frame,
    embed_on_host,
    launcher,
    patch_site,
)


def test_conversation_on_a_strict_csp_host_page(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    requests_seen: list[str] = []
    page.on("request", lambda r: requests_seen.append(r.url))
    csp_errors: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))

    page.goto(host.origin)
    launcher(page).wait_for()
    assert launcher(page).get_attribute("aria-label") == "Open chat"
    assert page.evaluate("document.activeElement === document.body"), "the loader stole focus"
    # privacy: nothing stored and no session or socket before the visitor opens the chat
    assert page.context.cookies() == []
    assert not [u for u in requests_seen if "/socket.io/" in u or "/widget/session" in u]
    assert axe_violations(page) == []

    launcher(page).click()
    frame = chat_frame(page)
    assert launcher(page).get_attribute("aria-expanded") == "true"
    frame.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'cw-input'"
    )
    assert axe_violations(page) == []

    staff = agent(server, token)
    frame.fill("#cw-input", "hello from the visitor")
    frame.press("#cw-input", "Enter")
    msg = staff.wait_for(lambda: staff.messages())[0]
    assert msg["text"] == "hello from the visitor"
    conv = msg["conversation_id"]
    frame.locator(".cw-mine .cw-meta time").wait_for()

    staff.call("typing.set", {"conversation_id": conv, "typing": True})
    frame.get_by_text("Support is typing…").wait_for()
    staff.say(conv, "Hello! **How** can I help? See [docs](https://example.com/docs)")
    reply = frame.locator(".cw-theirs", has_text="How can I help?")
    reply.wait_for()
    assert reply.locator("strong").inner_text() == "How"
    link = reply.locator("a")
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("href") == "https://example.com/docs"
    staff.call("conversation.read", {"conversation_id": conv, "seq": 1})
    frame.get_by_text("Seen").wait_for()
    # the host page hears about agent messages, and the visitor's read receipt reaches the agent
    page.wait_for_function("() => window.events.some(e => e[0] === 'message')")
    staff.wait_for(
        lambda: [
            d for e, d in staff.events if e == "conversation.read" and d["reader"] == "visitor"
        ]
    )

    # Escape closes the panel and gives focus back to the launcher
    frame.press("#cw-input", "Escape")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.activeElement?.classList.contains('l')"
    )
    assert launcher(page).get_attribute("aria-expanded") == "false"

    # an agent message while closed shows an unread badge on the launcher
    staff.say(conv, "Are you still there?")
    page.wait_for_function(
        "() => document.querySelector('chinwag-widget').shadowRoot.querySelector('button.l').getAttribute('aria-label').includes('1 unread')"
    )

    # a reload keeps the conversation; nothing is shown twice
    page.reload()
    launcher(page).click()
    frame = chat_frame(page)
    frame.get_by_text("Are you still there?").wait_for()
    texts = frame.locator(".cw-log .cw-msg .cw-text").all_inner_texts()
    assert texts.count("hello from the visitor") == 1
    assert sum("How can I help?" in t for t in texts) == 1

    # contextual help on the host page: Chinwag('send', text) sends into the same conversation
    page.click("#help")
    staff.wait_for(lambda: len(staff.messages()) == 2)
    assert staff.messages()[1]["text"] == "I need help with the shop"
    assert staff.messages()[1]["conversation_id"] == conv
    assert csp_errors == []


def test_outbox_survives_reload_and_network_loss_exactly_once(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page, strict=False)
    staff = agent(server, token)
    blocked = {"on": True}
    attempts: list[bool] = []

    def ws_route(ws: Any) -> None:
        attempts.append(blocked["on"])
        if blocked["on"]:  # a server that opens, then never answers: the client's ping times out
            ws.send('0{"sid":"x","upgrades":[],"pingInterval":200,"pingTimeout":200}')
        else:
            ws.connect_to_server()

    def http_route(route: Any) -> None:
        if blocked["on"]:
            route.abort()
        else:
            route.continue_()

    # the real-time connection cannot be made: messages wait in the persisted outbox
    page.route_web_socket("**/socket.io/**", ws_route)
    page.route("**/socket.io/**", http_route)
    page.goto(host.origin)
    launcher(page).click()
    frame = chat_frame(page)
    frame.fill("#cw-input", "queued before reload")
    frame.press("#cw-input", "Enter")
    frame.locator(".cw-pending", has_text="queued before reload").wait_for()
    page.reload()
    launcher(page).click()
    frame = chat_frame(page)
    frame.locator(".cw-pending", has_text="queued before reload").wait_for()
    blocked["on"] = False
    staff.wait_for(lambda: staff.messages(), timeout=20, page=page)
    assert attempts[0] is True and attempts[-1] is False
    frame.locator(".cw-mine:not(.cw-pending)", has_text="queued before reload").wait_for()

    # offline, then online: queued messages are delivered once each, in order
    page.context.set_offline(True)
    frame.get_by_text("You are offline").wait_for()
    for text in ("offline one", "offline two", "offline three"):
        frame.fill("#cw-input", text)
        frame.press("#cw-input", "Enter")
    assert frame.locator(".cw-pending").count() == 3
    page.context.set_offline(False)
    staff.wait_for(lambda: len(staff.messages()) >= 4, timeout=20, page=page)
    frame.wait_for_function("() => !document.querySelector('.cw-pending')")
    texts = [m["text"] for m in staff.messages()]
    assert texts == ["queued before reload", "offline one", "offline two", "offline three"]
    assert [m["seq"] for m in staff.messages()] == [1, 2, 3, 4]
    shown = frame.locator(".cw-mine .cw-text").all_inner_texts()
    assert shown == texts


def test_a_rate_limited_outbox_waits_as_long_as_it_is_told(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    """Issue 21 item 4: a ``rate_limited`` ack makes the outbox wait its ``retry_after_ms``
    before it sends again (it used to retry in a tight loop, each retry refused)."""
    server = widget_server
    token, host = embed_on_host(server, host_page, strict=False)
    staff = agent(server, token)
    wait_ms = 1500
    sends: list[float] = []
    refused_at: list[float] = []

    def ws_route(ws: Any) -> None:
        upstream = ws.connect_to_server()

        def from_widget(message: Any) -> None:
            if isinstance(message, str) and '"message.send"' in message:
                sends.append(time.monotonic())
                if len(sends) == 1:  # the first attempt is refused, as the limiter would
                    head = message[: message.index("[")]  # 42/widget,<ack id>
                    error = {"code": "rate_limited", "retry_after_ms": wait_ms}
                    ws.send("43" + head[2:] + json.dumps([{"ok": False, "error": error}]))
                    refused_at.append(time.monotonic())
                    return
            upstream.send(message)

        ws.on_message(from_widget)
        upstream.on_message(ws.send)

    page.route_web_socket("**/socket.io/**", ws_route)
    page.goto(host.origin)
    launcher(page).click()
    frame = chat_frame(page)
    frame.fill("#cw-input", "sent after the wait")
    frame.press("#cw-input", "Enter")
    staff.wait_for(lambda: staff.messages(), timeout=20, page=page)
    frame.locator(".cw-mine:not(.cw-pending)", has_text="sent after the wait").wait_for()
    assert [m["text"] for m in staff.messages()] == ["sent after the wait"]
    # one refused attempt, one retry: no loop, and the retry came no sooner than it was told
    assert len(sends) == 2, sends
    assert sends[1] - refused_at[0] >= wait_ms / 1000 * 0.95


XSS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "[click me](javascript:window.__xss=3)",
    '"><svg onload=window.__xss=4>',
    "**<b onmouseover=window.__xss=5>bold</b>**",
]

EVERY_BLOCK = [
    {"type": "text", "text": "A *text* block with `code` and https://example.com/page"},
    {"type": "image", "url": "/widget/chinwag.js", "alt": "A product photo"},
    {"type": "image", "url": "/widget/chinwag.js", "status": "processing"},
    {"type": "video", "url": "/widget/chinwag.js"},
    {
        "type": "file",
        "url": "/widget/chinwag.js",
        "name": '"><img src=x onerror=window.__xss=6>.pdf',
        "size": 2048,
        "content_type": "application/pdf",
    },
    {"type": "suggestions", "items": ["Pricing", "Opening hours"]},
    {
        "type": "buttons",
        "buttons": [
            {"label": "Talk to sales", "value": "sales"},
            {"label": "Docs", "url": "https://example.com"},
        ],
    },
    {"type": "rating", "id": "r1", "prompt": "How did we do?", "scale": 5},
    {
        "type": "card",
        "title": "Blue shoes",
        "text": "Comfortable <script>window.__xss=7</script>",
        "image_url": "/widget/chinwag.js",
        "url": "https://example.com/shoes",
        "buttons": [{"label": "Buy", "value": "buy blue shoes"}],
    },
]


def test_every_block_type_renders_inert_and_accessible(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    staff = agent(server, token)
    sent_frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: sent_frames.append(str(f))))
    page.goto(host.origin)
    launcher(page).click()
    frame = chat_frame(page)
    for text in XSS[:2]:
        frame.fill("#cw-input", text)
        frame.press("#cw-input", "Enter")
    conv = staff.wait_for(lambda: staff.messages())[0]["conversation_id"]
    for text in XSS:
        staff.say(conv, text)
    staff.say(conv, "Everything we can show:", EVERY_BLOCK)
    frame.locator(".cw-card").wait_for()
    frame.get_by_text(XSS[0]).first.wait_for()

    # the corpus is shown as text, never run, never turned into markup
    assert frame.evaluate("() => window.__xss") is None
    assert page.evaluate("() => window.__xss") is None
    log = frame.locator(".cw-log")
    assert log.locator("script, svg, b, [onerror], [onload], [onmouseover]").count() == 0
    hrefs = log.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith(("https://", "/")) for h in hrefs), hrefs
    rels = log.locator("a").evaluate_all("els => els.map(a => a.rel)")
    assert set(rels) == {"noopener noreferrer"}
    assert frame.get_by_text("click me").evaluate("el => el.tagName") == "SPAN"
    assert log.locator(".cw-file .cw-fname").inner_text() == EVERY_BLOCK[4]["name"]
    assert log.locator("img").count() == 2 and log.locator("video").count() == 1
    assert log.get_by_text("Processing…").count() == 1
    assert axe_violations(page) == []

    # suggestion chips and buttons answer for the visitor; the rating form thanks them
    frame.get_by_role("button", name="Opening hours").click()
    staff.wait_for(lambda: any(m["text"] == "Opening hours" for m in staff.messages()))
    # the pick says which message's chip it was (a typed "Opening hours" would carry none)
    offered = next(m for m in staff.messages("agent") if m["text"] == "Everything we can show:")
    answer = next(m for m in staff.messages() if m["text"] == "Opening hours")
    assert answer["blocks"] == [{"type": "pick", "message_id": offered["id"]}]
    # the rating form: the choice stays visible (pressed, and said in a status line) and is tracked
    rating = frame.get_by_role("group", name="How did we do?")
    rating.get_by_role("button", name="4 out of 5").click()
    frame.get_by_role("status").filter(has_text="You rated 4 out of 5").wait_for()
    pressed = rating.get_by_role("button").evaluate_all(
        "els => els.map(b => b.getAttribute('aria-pressed'))"
    )
    assert pressed == ["false", "false", "false", "true", "false"]
    # one choice only (the others are aria-disabled, which Playwright will not click)
    rating.get_by_role("button", name="2 out of 5").evaluate("b => b.click()")
    assert rating.get_by_role("button", name="4 out of 5").get_attribute("aria-pressed") == "true"
    staff.wait_for(lambda: [f for f in sent_frames if "rating.submitted" in f], page=page)
    tracked = [f for f in sent_frames if "rating.submitted" in f]
    assert len(tracked) == 1 and '"value":4' in tracked[0] and '"rating_id":"r1"' in tracked[0]

    # error states: a refused message and the offline banner, both announced and accessible
    page.evaluate("() => Chinwag('send', 'x'.repeat(5000))")
    frame.locator(".cw-error[role=alert]").wait_for()
    page.context.set_offline(True)
    frame.get_by_text("You are offline").wait_for()
    assert axe_violations(page) == []
    page.context.set_offline(False)


def test_prechat_consent_locales_and_customisation(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    import sqlite3

    server = widget_server
    token = admin_token(server)
    host = host_page(server)
    patch_site(
        server,
        token,
        allowed_origins=[server.url, host.origin],
        widget_settings={
            "locale": "fr",
            "position": "left",
            "theme": "dark",
            "brand_color": "#ffd400",
            "text_color": "#ffffff",  # fails contrast on yellow: the widget uses black instead
            "team_name": "Équipe",
            "greeting": "Bonjour !",
            "prechat_form": True,
            "consent_required": True,
            "consent_text": "Nous gardons vos messages un an.",
            "consent_version": "v2",
        },
    )
    page.set_viewport_size({"width": 1200, "height": 800})
    page.goto(host.origin)
    launcher(page).wait_for()
    assert launcher(page).get_attribute("aria-label") == "Ouvrir le chat"
    assert launcher(page).bounding_box()["x"] < 100  # left side
    launcher(page).click()
    frame = chat_frame(page)
    frame.get_by_role("heading", name="Avant de commencer").wait_for()
    assert frame.evaluate("() => document.activeElement.id") == "cw-name"
    assert frame.evaluate("() => document.documentElement.lang") == "fr"
    on_brand = frame.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--cw-on-brand')"
    )
    assert on_brand.strip() == "#000000"
    assert axe_violations(page) == []
    # nothing is stored before consent
    assert frame.evaluate("() => localStorage.length") == 0

    frame.fill("#cw-name", "Ada")
    frame.fill("#cw-email", "ada@example.com")
    frame.get_by_label("J\u2019accepte").check()
    frame.get_by_role("button", name="Démarrer").click()
    frame.locator("#cw-input").wait_for()
    assert frame.evaluate("() => localStorage.length") > 0
    db = sqlite3.connect(server.env["CHINWAG_DATABASE_URL"].removeprefix("sqlite:///"))
    row = db.execute(
        "SELECT name, email, consent_version FROM visitors ORDER BY id DESC LIMIT 1"
    ).fetchone()
    db.close()
    assert row == ("Ada", "ada@example.com", "v2")

    # right-to-left: Chinwag('setLocale', 'ar') from the host page
    page.evaluate("() => Chinwag('setLocale', 'ar')")
    frame.wait_for_function("() => document.documentElement.dir === 'rtl'")
    assert frame.get_by_role("button", name="أغلق الدردشة").count() == 1
    assert launcher(page).get_attribute("aria-label") == "أغلق الدردشة"
    assert axe_violations(page) == []


def test_a_non_allowed_origin_cannot_start_a_session(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    import requests

    server = widget_server
    host = host_page(server, strict=False)  # never added to the site's origins
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(host.origin)
    page.wait_for_load_state("networkidle")
    # the loader reads the site's public config, sees the origin is not allowed, shows nothing
    assert any("/widget/config/" in u for u in requested)
    assert page.locator("chinwag-widget").count() == 0
    assert not [u for u in requested if "/widget/frame/" in u or "/socket.io/" in u]
    # what the browser would send from that page is refused by the server
    key = server.extra["site"]["site_key"]
    res = requests.post(
        f"{server.url}/api/v1/widget/session",
        json={"site_key": key},
        headers={"Origin": host.origin},
        timeout=10,
    )
    assert res.status_code == 403 and res.json()["error"]["code"] == "origin_not_allowed"
    res = requests.get(f"{server.url}/widget/frame/{key}?host={host.origin}", timeout=10)
    assert res.status_code == 403

"""The widget in Debian's Chromium against a live Chinwag server, embedded on another origin."""

from __future__ import annotations

from typing import Any

from widget_helpers import admin_token, axe_violations, chat_frame, launcher, patch_site


def test_conversation_on_a_strict_csp_host_page(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token = admin_token(server)
    host = host_page(server)
    patch_site(server, token, allowed_origins=[server.url, host.origin])
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
    token = admin_token(server)
    host = host_page(server, strict=False)
    patch_site(server, token, allowed_origins=[server.url, host.origin])
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

"""The agent workspace in Debian's Chromium against a real ``chinwag run`` server and real
visitor sockets: the three panes, keyboard paths and focus, announcements and the tab title,
Enter to send, unread counts, drafts across reloads and network drops, messages rendered by the
widget's own renderer, attachments by the agent with links re-signed on demand, 375/320 px."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
import socketio
from admin_axe import axe_violations
from test_browser import PASSWORD, AgentLine, SignIn, ready, wait_until

from chinwag.testing import run_cli

pytestmark = pytest.mark.browser


class Visitor:
    """A real widget visitor over a real socket."""

    def __init__(self, url: str, site: dict[str, Any], **session: Any) -> None:
        start = requests.post(
            f"{url}/api/v1/widget/session",
            json={"site_key": site["site_key"], **session},
            headers={"Origin": url},
            timeout=10,
        ).json()
        self.token = start["visitor_token"]
        self.sio = socketio.SimpleClient()
        self.sio.connect(
            url,
            namespace="/widget",
            transports=["websocket"],
            headers={"Origin": url},
            auth={"site_key": site["site_key"], "visitor_token": self.token},
        )
        self.conversation_id: int | None = None
        self.n = 0

    def say(self, text: str = "", blocks: list[Any] | None = None) -> dict[str, Any]:
        self.n += 1
        body: dict[str, Any] = {"client_msg_id": f"v{self.n}", "text": text}
        if blocks:
            body["blocks"] = blocks
        if self.conversation_id:
            body["conversation_id"] = self.conversation_id
        ack = self.sio.call("message.send", body, timeout=10)
        assert ack["ok"], ack
        self.conversation_id = ack["message"]["conversation_id"]
        return dict(ack["message"])

    def received(self, text: str, seconds: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                event, data = self.sio.receive(timeout=max(0.1, deadline - time.monotonic()))
            except socketio.exceptions.TimeoutError:
                break
            if event == "message.new" and data["message"]["text"] == text:
                return dict(data["message"])
        raise AssertionError(f"the visitor never got {text!r}")

    def close(self) -> None:
        self.sio.disconnect()


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def focused(pg: Any) -> str:
    return str(
        pg.evaluate(
            "() => { const e = document.activeElement; return e ? "
            "(e.id || e.dataset.action || e.dataset.conversation || e.tagName) : ''; }"
        )
    )


def no_violations(pg: Any, axe: str, name: str) -> None:
    violations = axe_violations(pg, axe)
    assert violations == [], f"axe on {name}: {violations}"


def test_workspace_keyboard_rendering_media_and_unread(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    page.add_init_script(
        "window.__asked = 0; if (window.Notification) { const r = Notification.requestPermission;"
        " Notification.requestPermission = (...a) => { window.__asked += 1; return r.apply(Notification, a); }; }"
    )
    sign_in(page, url, "admin@example.com")
    page.locator("#connection", has_text="Live").wait_for()
    assert page.evaluate("() => window.__asked") == 0  # never asked on load

    visitor = Visitor(url, site, page_url="https://shop.example/cart?" + "x" * 300, locale="fr-FR")
    try:
        visitor.say("Hello, my **order** is *late*")
        row = page.locator("button.conv").first
        row.wait_for()
        assert "Hello, my **order** is *late*" in row.locator(".preview").inner_text()
        assert "Live" in row.inner_text() and "1 unread" in row.inner_text()
        assert "null" not in row.inner_text()  # parts a row lacks leave no "null"
        page.locator("#announcer", has_text="New conversation from").wait_for()
        wait_until(lambda: page.title().startswith("(1) Inbox"), "the unread count in the title")
        no_violations(page, axe_source, "inbox with a waiting conversation")

        # keyboard: Tab to the row, Enter opens it and focuses the composer
        row.focus()
        page.keyboard.press("Enter")
        page.locator("ol.messages li.visitor").first.wait_for()
        wait_until(lambda: focused(page) == "reply", "the composer to take focus")
        # Markdown rendered by the widget's renderer (not raw asterisks)
        body = page.locator("ol.messages li.visitor .body")
        body.locator("strong", has_text="order").wait_for()
        assert body.locator("em").inner_text() == "late"
        wait_until(lambda: page.title() == "Inbox · Chinwag admin", "the title to drop the count")
        # the header has no literal null when no other agent exists
        header = page.locator(".conv-header")
        assert "null" not in header.inner_text()
        panel = page.get_by_role("complementary", name="Visitor")
        assert "fr-FR" in panel.inner_text() and "Not verified" in panel.inner_text()

        # an incoming message does not move focus nor touch a half-typed reply
        page.keyboard.type("Let me check")
        visitor.say("still there?")
        page.locator("ol.messages li.visitor .body", has_text="still there?").wait_for()
        assert focused(page) == "reply"
        assert page.get_by_label("Reply").input_value() == "Let me check"

        # Shift+Enter is a new line, Enter sends
        page.keyboard.press("Shift+Enter")
        page.keyboard.type("one moment")
        assert page.get_by_label("Reply").input_value() == "Let me check\none moment"
        page.keyboard.press("Enter")
        visitor.received("Let me check\none moment")
        page.locator("ol.messages li.agent .body", has_text="one moment").wait_for()
        assert page.get_by_label("Reply").input_value() == ""
        # the agent's own reply is never counted as unread
        conv_row = page.locator(f"button.conv[data-conversation='{visitor.conversation_id}']")
        assert "unread" not in conv_row.inner_text()

        # Assign to me / Unassign keep focus on the header's buttons
        page.get_by_role("button", name="Assign to me").focus()
        page.keyboard.press("Enter")
        header.filter(has_text="Assigned to you").wait_for()
        wait_until(lambda: focused(page) == "unassign", "focus on Unassign")
        page.keyboard.press("Space")
        header.filter(has_text="Unassigned").wait_for()
        wait_until(lambda: focused(page) == "assign-me", "focus on Assign to me")

        # the agent attaches an image: uploaded through the media plugin, shown inline
        page.locator("#attach").set_input_files(
            files=[{"name": "photo.png", "mimeType": "image/png", "buffer": png()}]
        )
        page.get_by_role("status").filter(has_text="Attached photo.png").wait_for()
        page.get_by_label("Reply").fill("here is the photo")
        page.get_by_label("Reply").press("Enter")
        got = visitor.received("here is the photo")
        assert got["blocks"][0]["type"] == "image" and got["blocks"][0]["media_id"]
        image = page.locator("ol.messages li.agent a.cw-media img")
        image.wait_for()
        wait_until(lambda: image.evaluate("i => i.complete && i.naturalWidth > 0"), "the image")
        # a visitor's file: a short link with its name and size, no raw signed URL as text
        upload = requests.post(
            f"{url}/api/v1/plugins/chinwag-media/uploads",
            files={"file": ("notes.txt", b"just text\n", "text/plain")},
            data={"conversation_id": str(visitor.conversation_id)},
            headers={"Authorization": f"Visitor {visitor.token}"},
            timeout=30,
        )
        assert upload.status_code == 201, upload.text
        visitor.say(blocks=[upload.json()["block"]])
        link = page.locator("ol.messages a.cw-file", has_text="notes.txt")
        link.wait_for()
        assert "token=" not in page.locator("#conversation").inner_text()
        stale = link.get_attribute("href")
        # links are signed to the second: let the server's clock pass the stale link's second, so
        # a re-signed link differs from it even on a fast machine
        time.sleep(1.1)

        # a quarter of an hour later (the page's clock): links are re-signed on demand
        page.clock.set_system_time(datetime.now() + timedelta(minutes=16))
        page.reload()
        ready(page)
        page.locator("ol.messages a.cw-file", has_text="notes.txt").wait_for()
        wait_until(
            lambda: page.locator("ol.messages a.cw-file").get_attribute("href") != stale,
            "a freshly signed link",
        )
        fresh = page.locator("ol.messages a.cw-file").get_attribute("href")
        assert requests.get(f"{url}{fresh}", timeout=10).status_code == 200
        # the visitor's last message is unanswered: its waiting time is late (SLA colour)
        wait_until(
            lambda: (
                page.locator(
                    f"button.conv[data-conversation='{visitor.conversation_id}']"
                ).get_attribute("data-sla")
                == "late"
            ),
            "the SLA colour",
        )

        # shortcuts: ? opens the help, Escape closes it; / searches; a assigns; e closes
        page.locator("body").press("?")
        help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
        help_dialog.wait_for()
        no_violations(page, axe_source, "shortcuts help")
        page.keyboard.press("Escape")
        help_dialog.wait_for(state="hidden")
        page.locator("body").press("a")
        header.filter(has_text="Assigned to you").wait_for()
        page.locator("body").press("/")
        assert focused(page) == "inbox-search"
        page.keyboard.type(
            "still there"
        )  # an earlier message, not the preview: the server finds it
        # page.url follows history.replaceState through Playwright's events: wait with Playwright
        page.wait_for_url(re.compile(r"q=still(\+|%20)there"))
        page.locator(f"button.conv[data-conversation='{visitor.conversation_id}']").wait_for()
        page.keyboard.press("Escape")  # clears the search; the focus stays in it
        assert focused(page) == "inbox-search" and "q=" not in page.url
        page.keyboard.type("nobody-matches")
        page.locator("p.empty", has_text="No conversations here.").wait_for()
        assert "q=nobody-matches" in page.url  # filters live in the URL
        page.keyboard.press("Escape")
        page.locator("button.conv").first.wait_for()

        # desktop notifications: asked only on a click
        notify = page.get_by_role("button", name="Enable desktop notifications")
        if notify.count():
            notify.click()
            wait_until(lambda: page.evaluate("() => window.__asked") == 1, "the permission prompt")

        # a second agent appears in the hand-over list; the visitor panel lists past chats
        run_cli(
            server.env,
            "users",
            "create",
            "--email",
            "bo@example.com",
            "--password",
            PASSWORD,
            "--role",
            "agent",
        )
        visitor.conversation_id = None
        visitor.say("another question")
        page.locator("button.conv", has_text="another question").wait_for()
        page.locator("button.conv", has_text="another question").click()
        page.get_by_role("list", name="Conversations of this visitor").get_by_role(
            "button"
        ).first.wait_for()
        no_violations(page, axe_source, "workspace with a conversation open")

        # j / k walk the list and open each conversation, the focus on its row
        rows = page.locator("button.conv")
        first, second = (rows.nth(i).get_attribute("data-conversation") for i in (0, 1))
        page.locator("#conv-title").focus()
        page.keyboard.press("j")
        wait_until(lambda: rows.nth(1).get_attribute("aria-current") == "true", "j")
        assert focused(page) == second
        page.keyboard.press("k")
        wait_until(lambda: rows.nth(0).get_attribute("aria-current") == "true", "k")
        assert focused(page) == first

        # phones: list -> thread navigation at 375 px; nothing overflows at 320 px
        page.set_viewport_size({"width": 375, "height": 740})
        page.get_by_role("button", name="Back to conversations").click()
        page.locator("button.conv").first.wait_for()
        assert page.locator("#reply").is_hidden()
        page.locator("button.conv").first.press("Enter")
        page.locator("#reply").wait_for()
        no_violations(page, axe_source, "workspace at 375 px")
        page.set_viewport_size({"width": 320, "height": 640})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    finally:
        visitor.close()


def test_network_drop_keeps_the_session_and_the_draft(
    live_server: Any, page: Any, sign_in: SignIn
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    sign_in(page, url, "admin@example.com")
    line = AgentLine(page)
    page.reload()
    ready(page)
    page.locator("#connection", has_text="Live").wait_for()
    visitor = Visitor(url, site)
    try:
        visitor.say("first")
        page.locator("button.conv").first.click()
        page.get_by_label("Reply").fill("half-typed answer")

        # 0.6 s without any network (HTTP and the WebSocket), the visitor writes meanwhile
        page.context.set_offline(True)
        line.cut()
        page.locator("#connection", has_text="Reconnecting").wait_for()
        visitor.say("during the drop")
        page.wait_for_timeout(600)
        page.context.set_offline(False)
        line.restore()
        # back within a couple of seconds (bounded wait, not a measurement)
        page.locator("#connection", has_text="Live").wait_for(timeout=5000)
        page.locator("ol.messages li.visitor .body", has_text="during the drop").wait_for()
        assert "/admin/login" not in page.url
        assert page.get_by_label("Reply").input_value() == "half-typed answer"
        seqs = page.locator("ol.messages li").evaluate_all("els => els.map(e => +e.dataset.seq)")
        assert seqs == [1, 2]

        # drafts are kept per conversation across reloads; this reload meets a token refresh
        # with no answer (twice): retried, never sent to sign in
        refreshes = "**/api/v1/auth/refresh"
        page.route(refreshes, lambda route: route.abort("connectionreset"))
        failed = lambda r: "/api/v1/auth/refresh" in r.url  # noqa: E731
        page.reload(wait_until="commit")
        page.wait_for_event("requestfailed", failed)
        page.wait_for_event("requestfailed", failed)
        page.unroute(refreshes)
        ready(page)
        assert "/admin/login" not in page.url
        assert page.get_by_label("Reply").input_value() == "half-typed answer"
        other = Visitor(url, site)
        try:
            other.say("someone else")
            page.locator("button.conv", has_text="someone else").click()
            assert page.get_by_label("Reply").input_value() == ""
            page.get_by_label("Reply").fill("for the other one")
            page.locator("button.conv", has_text="during the drop").click()
            assert page.get_by_label("Reply").input_value() == "half-typed answer"
            page.get_by_label("Reply").press("Enter")
            visitor.received("half-typed answer")
            page.locator("ol.messages li.agent .body", has_text="half-typed answer").wait_for()
            wait_until(lambda: page.get_by_label("Reply").input_value() == "", "the sent reply")
            # the stored draft goes with the ack (a reload before it would bring the text back)
            wait_until(
                lambda: (
                    "half-typed answer"
                    not in page.evaluate("() => Object.values(localStorage).join('\\n')")
                ),
                "the draft to be dropped after the ack",
            )
            page.reload()
            ready(page)
            assert page.get_by_label("Reply").input_value() == ""  # sent: the draft is gone
            page.locator("button.conv", has_text="someone else").click()
            assert page.get_by_label("Reply").input_value() == "for the other one"
        finally:
            other.close()
    finally:
        visitor.close()


def test_admin_polish_sites_audit_plugins_and_privacy(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    page.on("dialog", lambda d: d.accept())
    sign_in(page, url, "admin@example.com")

    # sites: human errors, rename, identity switch, create (announced), delete
    page.goto(f"{url}/admin/sites")
    ready(page)
    card = page.locator(f"section[data-site='{site['id']}']")
    card.get_by_label("Allowed origins").fill("not an origin\nhttps://ok.example")
    card.get_by_role("button", name="Save origins").click()
    card.locator("[data-error-for=allowed_origins]", has_text="Line 1:").wait_for()
    assert "(validation_error)" not in card.inner_text()
    card.get_by_label("Site name").fill("Shop")
    card.get_by_role("button", name="Rename").click()
    page.get_by_role("status").filter(has_text="Renamed Live to Shop").wait_for()
    card = page.locator(f"section[data-site='{site['id']}']")
    card.get_by_role("heading", name="Shop").wait_for()
    switch = card.get_by_role("switch", name="Require a verified identity")
    switch.focus()
    page.keyboard.press("Space")
    page.get_by_role("status").filter(has_text="Shop now requires a verified identity").wait_for()
    form = page.locator("form[aria-labelledby=new-site]")
    form.get_by_label("Name").fill("Spare")
    form.get_by_role("button", name="Create site").click()
    page.get_by_role("status").filter(has_text="Created site Spare").wait_for()
    no_violations(page, axe_source, "sites")
    spare = page.locator("section[data-site]", has=page.get_by_role("heading", name="Spare"))
    spare.get_by_role("button", name="Delete site").click()
    page.get_by_role("status").filter(has_text="Deleted site Spare").wait_for()
    assert page.get_by_role("heading", name="Spare").count() == 0
    token = api_token(url)
    stored = requests.get(
        f"{url}/api/v1/sites/{site['id']}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    assert stored["name"] == "Shop" and stored["identity_required"] is True

    # the audit log reads as sentences with labelled details
    page.goto(f"{url}/admin/audit")
    ready(page)
    row = page.locator("tr[data-action='site.delete']")
    row.wait_for()
    assert "Deleted a site" in row.inner_text()
    assert row.locator("dl.details dt", has_text="Name").count() == 1
    assert "{" not in row.locator("dl.details").inner_text()
    no_violations(page, axe_source, "audit")

    # plugin settings are labelled in words, switches are named by their plugin
    page.goto(f"{url}/admin/plugins")
    ready(page)
    media = page.locator("section[data-plugin='chinwag-media']")
    media.get_by_label("Max size (MB)").wait_for()
    media.get_by_role("switch", name="Media attachments Enabled").wait_for()

    # privacy: a visitor's data exported and erased from the visitor panel
    requests.patch(
        f"{url}/api/v1/sites/{site['id']}",
        json={"identity_required": False},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    visitor = Visitor(url, site)
    try:
        visitor.say("please forget me")
    finally:
        visitor.close()
    # canned responses: added by an admin, inserted with / in the composer, variables filled
    page.goto(f"{url}/admin/canned")
    ready(page)
    page.get_by_label("Shortcut").fill("hello")
    page.get_by_label("Title").fill("Greeting")
    page.get_by_label("Text", exact=True).fill("Hi {visitor.name}, I am {agent.name}.")
    page.get_by_role("button", name="Add canned response").click()
    page.get_by_role("status").filter(has_text="Added /hello").wait_for()
    page.locator("tr[data-canned=hello]").wait_for()
    no_violations(page, axe_source, "canned responses")
    page.goto(f"{url}/admin/")
    ready(page)
    page.locator("button.conv", has_text="please forget me").click()
    reply = page.get_by_label("Reply")
    reply.press_sequentially("/hel")
    page.get_by_role("option", name="/hello").wait_for()
    assert reply.get_attribute("aria-activedescendant", timeout=5000)
    no_violations(page, axe_source, "canned picker")
    reply.press("Enter")
    assert reply.input_value() == "Hi there, I am admin@example.com."
    page.get_by_role("listbox", name="Canned responses").wait_for(state="hidden")
    reply.press("Enter")  # the picker is closed: Enter sends
    page.locator("ol.messages li.agent .body", has_text="Hi there, I am").wait_for()

    # labels: added from the keyboard, shown in the list, filtered by in the URL
    page.get_by_label("Add a label").fill("billing")
    page.get_by_label("Add a label").press("Enter")
    page.get_by_role("list", name="Labels of this conversation").get_by_text("billing").wait_for()
    assert focused(page) == "add-label"
    page.locator("button.conv .label-chip", has_text="billing").wait_for()
    page.get_by_label("Label", exact=True).select_option("billing")
    page.wait_for_url(re.compile(r"label=billing"))
    page.locator(f"button.conv[data-conversation='{visitor.conversation_id}']").wait_for()
    page.get_by_role("button", name="Remove label billing").click()
    page.locator("button.conv .label-chip").first.wait_for(state="detached")

    panel = page.get_by_role("complementary", name="Visitor")
    with page.expect_download() as download:
        panel.get_by_role("button", name="Export data").click()
    assert download.value.suggested_filename.startswith("visitor-")
    panel.get_by_role("button", name="Erase visitor").click()
    page.locator("#announcer", has_text="Erased").wait_for()
    assert page.locator(f"button.conv[data-conversation='{visitor.conversation_id}']").count() == 0

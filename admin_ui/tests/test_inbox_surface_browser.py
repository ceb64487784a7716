"""The inbox's plugin surface in Debian's Chromium against a real ``chinwag run`` with an installed
plugin: its annotations appear live on the list row, in the thread and under the message (tone
in words, announced politely); its panel renders in the visitor panel and works by keyboard;
internal notes (the plugin's and an agent's, written with the Note switch) show apart in the
thread and never reach the visitor's socket; switched off, the plugin's traces leave the open
inbox without a reload. A search by a word only in a note shows the note's snippet with the word
marked. axe-core reports no violation with chips, panel and notes shown, nor with the snippet."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from test_browser import SignIn, wait_until
from test_inbox_browser import Visitor, focused, no_violations

pytestmark = pytest.mark.browser

PLUGIN = "chinwag-inbox-probe"


def make_inbox_plugin(site_dir: Path) -> None:
    """An installed distribution (a dist-info on the server's path): a listener that annotates
    refund requests, a panel with a button, and the button's /agent socket event."""
    info = site_dir / "chinwag_inbox_probe-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {PLUGIN}\nVersion: 0.1.0\n"
        "Summary: Inbox probe plugin\nRequires-Dist: chinwag-plugin-api>=1.0,<2\n"
    )
    (info / "entry_points.txt").write_text(
        "[chinwag.plugins]\nprobe = chinwag_inbox_probe:INFO\n"
        "[chinwag.event_listeners]\nprobe = chinwag_inbox_probe:Refunds\n"
        "[chinwag.inbox]\nprobe = chinwag_inbox_probe:Triage\n"
        "[chinwag.socket_events]\nprobe = chinwag_inbox_probe:Events\n"
    )
    (site_dir / "chinwag_inbox_probe.py").write_text(
        textwrap.dedent(
            """
            from chinwag_plugin_api import (
                Action, ActionSubmit, Button, EventListener, InboxPanel, InboxPanels,
                PluginInfo, SocketEvent, SocketHandlers, Text, components_reply,
            )

            INFO = PluginInfo(display_name="Triage probe")

            class Refunds(EventListener):
                events = ("message.stored",)

                def handle(self, ctx, event):
                    m = event.message
                    if m.author_kind == "visitor" and "refund" in m.text.lower():
                        ctx.annotate(event.conversation_id, "refund", label="Refund asked",
                                     tone="warning")
                        ctx.annotate(event.conversation_id, "intent", label="Refund request",
                                     tone="negative", message_id=m.id, detail="high confidence")

            class Triage(InboxPanels):
                def panels(self, ctx, conversation):
                    return [InboxPanel("Triage", (
                        Text("Nothing flagged yet."),
                        Button("Flag for review", Action("probe.flag")),
                    ))]

            def flag(ctx, payload, actor):
                ctx.annotate(payload["conversation_id"], "review", label="Needs review",
                             tone="warning")
                ctx.post_note(payload["conversation_id"], "Flagged for review by the probe.")
                return components_reply(Text("Flagged for review."))

            class Events(SocketHandlers):
                def events(self):
                    return [SocketEvent("probe.flag", ActionSubmit, flag, namespaces=("/agent",))]
            """
        )
    )


def drain(sio: socketio.SimpleClient, seconds: float = 1.0) -> list[tuple[str, Any]]:
    """Every event the visitor's socket received until it has been quiet for ``seconds``."""
    got: list[tuple[str, Any]] = []
    while True:
        try:
            event, data = sio.receive(timeout=seconds)
        except socketio.exceptions.TimeoutError:
            return got
        got.append((event, data))


def test_plugin_annotations_panels_and_notes_in_the_inbox(
    live_server: Any,
    page: Any,
    axe_source: str,
    tmp_path: Path,
    sign_in: SignIn,
    api_token: Callable[..., str],
) -> None:
    site_dir = tmp_path / "plugins"
    make_inbox_plugin(site_dir)
    server = live_server(PYTHONPATH=str(site_dir))
    url, site = server.url, server.extra["site"]
    sign_in(page, url, "admin@example.com")
    page.locator("#connection", has_text="Live").wait_for()

    visitor = Visitor(url, site, name="Robin")
    try:
        visitor.say("Hello there")
        row = page.locator("button.conv").first
        row.wait_for()
        row.focus()
        page.keyboard.press("Enter")
        page.locator("ol.messages li.visitor").first.wait_for()

        # the panel renders in the visitor panel, under its own heading
        panel = page.locator("section.plugin-panel", has=page.get_by_role("heading", name="Triage"))
        panel.get_by_text("Nothing flagged yet.").wait_for()

        # a plugin annotates live: the row, the thread header and the message get chips whose
        # tone is said in words, and the change is announced politely
        refund = visitor.say("I want a refund please")
        chip = row.locator(".annotation", has_text="Refund asked")
        chip.wait_for()
        assert "Warning: Refund asked" in chip.inner_text()
        header = page.locator(".conv-header .conv-annotations")
        header.locator(".annotation", has_text="Warning: Refund asked").wait_for()
        under = page.locator(f"li.msg[data-message='{refund['id']}'] .msg-annotations")
        under.locator(".annotation", has_text="Negative: Refund request").wait_for()
        assert "high confidence" in under.inner_text()
        assert page.get_by_role("list", name="Plugin annotations of this message").count() == 1
        live = page.locator("#announcer")
        assert live.get_attribute("aria-live") == "polite"
        wait_until(lambda: "Refund" in live.inner_text(), "the annotation to be announced")

        # the panel's button is reachable with Tab and works with Enter
        button = panel.get_by_role("button", name="Flag for review")
        page.locator("#reply").focus()
        for _ in range(80):
            page.keyboard.press("Tab")
            if button.evaluate("b => b === document.activeElement"):
                break
        else:
            raise AssertionError("Tab never reached the panel's button")
        page.keyboard.press("Enter")
        panel.get_by_text("Flagged for review.").wait_for()
        assert panel.evaluate("p => p.contains(document.activeElement)")  # focus stayed in it
        header.locator(".annotation", has_text="Warning: Needs review").wait_for()
        note = page.locator("ol.messages li.note", has_text="Flagged for review by the probe.")
        note.wait_for()
        assert "Internal note" in note.inner_text() and "Triage probe" in note.inner_text()

        # an agent's own note: the Reply/Note switch by keyboard, Enter adds it
        page.locator("#mode-note").focus()
        page.keyboard.press("Space")
        assert page.locator("#mode-note").get_attribute("aria-pressed") == "true"
        page.get_by_label("Internal note (agents only)").wait_for()
        page.locator("#reply").focus()
        page.keyboard.type("Robin is a VIP, refund approved")
        page.keyboard.press("Enter")
        mine = page.locator("ol.messages li.note", has_text="Robin is a VIP, refund approved")
        mine.wait_for()
        wait_until(lambda: focused(page) == "reply", "focus to stay in the composer")
        assert page.locator("#reply").input_value() == ""
        no_violations(page, axe_source, "inbox with annotations, a panel and notes")

        # search (/) by a word only in that note: the row says why it matched, the word marked
        page.locator("#conv-title").focus()
        page.keyboard.press("/")
        wait_until(lambda: focused(page) == "inbox-search", "/ to focus the search")
        page.keyboard.type("vip")
        row = page.locator(f"button.conv[data-conversation='{visitor.conversation_id}']")
        snippet = row.locator(".match-note")
        snippet.locator("mark", has_text="VIP").wait_for()
        assert snippet.inner_text().startswith("Note:")
        assert "Robin is a VIP, refund approved" in snippet.inner_text()
        assert "q=vip" in page.url
        no_violations(page, axe_source, "a search that matched a note")
        page.keyboard.press("Escape")  # clears the search: the snippet goes, the row stays
        snippet.wait_for(state="detached")
        row.wait_for()
        # a search the server refuses says why under the box, which stays focused
        page.keyboard.type("!!!")
        refused = page.locator("#inbox-search-error", has_text="at least one letter or digit")
        refused.wait_for()
        assert page.locator("#inbox-search").get_attribute("aria-invalid") == "true"
        assert focused(page) == "inbox-search"
        page.keyboard.press("Escape")
        refused.wait_for(state="hidden")
        row.wait_for()

        # a colleague's note that mentions this agent (@admin) is announced to them
        token = api_token(url)
        res = requests.post(
            f"{url}/api/v1/users",
            json={"email": "sam@example.com", "name": "Sam", "password": "sam's long password"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert res.status_code == 201, res.text
        sam = api_token(url, "sam@example.com", "sam's long password")
        res = requests.post(
            f"{url}/api/v1/inbox/conversations/{visitor.conversation_id}/notes",
            json={"text": "@admin can you approve this one?"},
            headers={"Authorization": f"Bearer {sam}"},
            timeout=10,
        )
        assert res.status_code == 201, res.text
        wait_until(lambda: "Sam mentioned you in a note" in live.inner_text(), "the mention")
        page.locator("ol.messages li.note", has_text="can you approve").wait_for()

        # nothing of either note reached the visitor's socket
        seen = drain(visitor.sio)
        assert all(name != "note.new" for name, _ in seen)
        assert not any("VIP" in str(data) or "probe" in str(data) for _, data in seen)

        # switched off: its chips, panel and note leave the open inbox; the agent's note stays
        res = requests.patch(
            f"{url}/api/v1/plugins/{PLUGIN}",
            json={"enabled": False},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert res.status_code == 200, res.text
        page.locator(".conv-header .annotation").first.wait_for(state="detached")
        wait_until(lambda: page.locator(".annotation").count() == 0, "every chip to go")
        panel.wait_for(state="detached")
        note.wait_for(state="detached")
        assert mine.is_visible()

        # snooze by keyboard: the row leaves the open list, the header says until when, and
        # the visitor writing brings it back
        page.locator("#snooze-for").focus()
        page.keyboard.press("Tab")
        assert focused(page) == "snooze"
        page.keyboard.press("Enter")
        page.locator(".conv-header .snoozed", has_text="Snoozed until").wait_for()
        wait_until(lambda: focused(page) == "unsnooze", "focus on Wake now")
        page.locator(f"button.conv[data-conversation='{visitor.conversation_id}']").wait_for(
            state="detached"
        )
        visitor.say("Are you there?")
        page.locator(f"button.conv[data-conversation='{visitor.conversation_id}']").wait_for()

        # saved views: the filters saved under a name, applied again after a reload
        page.locator("#status-filter").select_option("snoozed")
        page.get_by_label("Save these filters as").fill("Snoozed ones")
        page.get_by_label("Save these filters as").press("Enter")
        view = page.get_by_role("list", name="Saved views").get_by_role(
            "button", name="Snoozed ones", exact=True
        )
        view.wait_for()
        page.locator("#status-filter").select_option("open")
        page.reload()
        view.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"status=snoozed"))
        assert page.locator("#status-filter").input_value() == "snoozed"
    finally:
        visitor.close()

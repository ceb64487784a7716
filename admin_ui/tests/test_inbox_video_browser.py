"""A visitor's video plays inline in the inbox thread, in Debian's Chromium against a real
``chinwag run``: the media plugin's video block is a ``<video controls>`` in the thread (no raw
signed URL as text), reachable with Tab and started with the keyboard. A card, buttons and a
rating sent to the visitor are drawn by the widget's renderer in the thread too (never
"[card]" / "[rating]" placeholders), their controls disabled: they are the visitor's to press."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from test_browser import SignIn, wait_until
from test_inbox_browser import Visitor

pytestmark = pytest.mark.browser


def webm_clip(folder: Path) -> bytes:
    """Three seconds of a test pattern, VP8 in WebM (Debian's Chromium plays it)."""
    out = folder / "clip.webm"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15",
         "-t", "3", "-c:v", "libvpx", "-b:v", "200k", str(out)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return out.read_bytes()


BLOCKS = [
    {"type": "card", "title": "Order 1042", "text": "Shipped **today**", "url": "https://shop.example/1042"},
    {"type": "buttons", "buttons": [{"label": "Track it", "value": "track"}]},
    {"type": "rating", "id": "csat", "prompt": "How did we do?", "scale": 5},
]  # fmt: skip


def _agent_sends_blocks(url: str, token: str, conversation_id: int) -> None:
    agent = socketio.SimpleClient()
    agent.connect(url, namespace="/agent", transports=["websocket"], auth={"token": token})
    try:
        ack = agent.call(
            "message.send",
            {"conversation_id": conversation_id, "client_msg_id": "blocks-1", "text": "",
             "blocks": BLOCKS},
            timeout=10,
        )  # fmt: skip
        assert ack.get("ok"), ack
    finally:
        agent.disconnect()


def test_a_visitors_video_plays_inline_from_the_keyboard(
    live_server: Any, page: Any, sign_in: SignIn, tmp_path: Path, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url, site = server.url, server.extra["site"]
    sign_in(page, url, "admin@example.com")
    visitor = Visitor(url, site, name="Ann")
    try:
        visitor.say("here is what happens")
        upload = requests.post(
            f"{url}/api/v1/plugins/chinwag-media/uploads",
            files={"file": ("clip.webm", webm_clip(tmp_path), "video/webm")},
            data={"conversation_id": str(visitor.conversation_id)},
            headers={"Authorization": f"Visitor {visitor.token}"},
            timeout=60,
        )
        assert upload.status_code == 201, upload.text
        assert upload.json()["block"]["type"] == "video"
        visitor.say(blocks=[upload.json()["block"]])
        row = page.locator(f"button.conv[data-conversation='{visitor.conversation_id}']")
        row.focus()
        page.keyboard.press("Enter")
        video = page.locator("ol.messages li.visitor video.cw-media")
        video.wait_for(timeout=30_000)
        assert video.get_attribute("controls") is not None
        assert "token=" not in page.locator("#conversation").inner_text()
        wait_until(lambda: video.evaluate("v => v.readyState >= 1 && v.duration > 2"), "metadata")
        # keyboard: Shift+Tab back from the composer past the video's controls, then Tab onto
        # its first control (play) and press Space
        page.get_by_label("Reply").focus()
        tag = "() => document.activeElement.tagName"
        for _ in range(40):
            page.keyboard.press("Shift+Tab")
            if page.evaluate(tag) == "VIDEO":
                break
        assert page.evaluate(tag) == "VIDEO"
        while page.evaluate(tag) == "VIDEO":
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        assert page.evaluate(tag) == "VIDEO"
        assert video.evaluate("v => v.paused")
        page.keyboard.press("Space")
        wait_until(lambda: video.evaluate("v => !v.paused && v.currentTime > 0"), "playing")
        assert video.evaluate("v => v.error") is None

        # a card, buttons and a rating: rendered like the widget, not as placeholders
        _agent_sends_blocks(url, api_token(url), visitor.conversation_id)
        card = page.get_by_role("group", name="Order 1042")
        card.wait_for()
        assert card.locator("strong", has_text="today").count() == 1  # its Markdown rendered
        rating = page.locator("ol.messages li.agent fieldset.cw-rating")
        assert "How did we do?" in rating.inner_text()
        assert page.locator("ol.messages li.agent .cw-btns", has_text="Track it").count() == 1
        thread = page.locator("#conversation").inner_text()
        assert "[card]" not in thread and "[rating]" not in thread and "[buttons]" not in thread
        assert rating.locator("button").first.is_disabled()  # the visitor's to press
    finally:
        visitor.close()

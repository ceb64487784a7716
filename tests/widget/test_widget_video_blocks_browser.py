"""Issue #14's last widget bullets in Debian's Chromium, driven with the keyboard: a video's
captions are a real text track a visitor can turn off from the player's menu (WCAG 1.2.2), the
video's focus ring stands out at 3:1 against what surrounds it in light, dark and forced colours
and on the visitor's own brand-coloured bubble (1.4.11, 2.4.13), and a message of blocks reads
in the accessibility tree as its parts (a heading, lists, named groups), not one run-on string."""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from widget_helpers import (
    ax_find,
    ax_focused,
    ax_tree,
    axe_violations,
    embed_on_host,
    frame_focus,
    launcher,
    open_with_keyboard,
)

from chinwag.testing import free_port

FRAME = "/widget/frame/"
VTT = "WEBVTT\n\n00:00.000 --> 00:05.000\nHello, this is how returns work\n"


class _Cors(http.server.SimpleHTTPRequestHandler):
    """Files for a cross-origin <video crossorigin> and its <track>: CORS allowed."""

    extensions_map = {".webm": "video/webm", ".vtt": "text/vtt"}

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def media_host(tmp_path: Path) -> Iterator[str]:
    """Another origin serving a one-second clip (ffmpeg) and its WebVTT captions."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10",
         "-t", "1", "-c:v", "libvpx", "-b:v", "200k", str(tmp_path / "clip.webm")],
        check=True, timeout=60,
    )  # fmt: skip
    (tmp_path / "captions.vtt").write_text(VTT)
    port = free_port()
    handler = functools.partial(_Cors, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    httpd.server_close()


def _luminance(rgb: str) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (float(v) for v in re.findall(r"[\d.]+", rgb)[:3])
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# the focused element's outline and the first opaque background around it (the ring is drawn
# outside the element, 2px off: what lies on both sides of it is that background)
RING = """() => { const el = document.activeElement, s = getComputedStyle(el);
  let bg = el.parentElement;
  while (bg && getComputedStyle(bg).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/))
    bg = bg.parentElement;
  return {tag: el.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth),
    ring: s.outlineColor, around: getComputedStyle(bg || document.body).backgroundColor}; }"""


def _ring(frame: Any) -> dict[str, Any]:
    ring = dict(frame.evaluate(RING))
    ring["contrast"] = round(_contrast(ring["ring"], ring["around"]), 2)
    return ring


def _tab_to_control(page: Any, name: str) -> None:
    """Shift+Tab (backwards from the composer) until a control of the player named ``name`` has
    focus: the player's buttons live in Chromium's own shadow tree, seen only in the AX tree."""
    for _ in range(12):
        node = ax_focused(page, FRAME)
        if node and node["name"].startswith(name):
            return
        page.keyboard.press("Shift+Tab")
    raise AssertionError(f"never reached {name!r}; focus on {ax_focused(page, FRAME)}")


def _arrow_to(page: Any, name: str) -> dict[str, Any]:
    """ArrowDown in the player's open menu until its item named ``name...`` has focus."""
    for _ in range(8):
        node = ax_focused(page, FRAME)
        if node and node["name"].startswith(name):
            return node
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no menu item {name!r}; focus on {ax_focused(page, FRAME)}")


def test_video_captions_by_keyboard_and_a_ring_that_stands_out(
    page: Any, widget_server: Any, host_page: Any, agent: Any, media_host: str
) -> None:
    # a blue brand: the default blue focus ring would vanish on the visitor's own bubble
    token, host = embed_on_host(widget_server, host_page, brand_color="#1d4ed8")
    staff = agent(widget_server, token)
    page.set_viewport_size({"width": 1200, "height": 800})
    page.goto(host.origin)
    launcher(page).wait_for()
    frame = open_with_keyboard(page)
    page.keyboard.type("how do returns work? see https://example.com/returns")
    page.keyboard.press("Enter")
    conv = staff.wait_for(lambda: staff.messages(), page=page)[0]["conversation_id"]
    video = {
        "type": "video",
        "url": f"{media_host}/clip.webm",
        "captions_url": f"{media_host}/captions.vtt",
        "captions_lang": "en",
    }
    staff.say(conv, "This short video shows it:", [video])

    # the captions are a text track of the video, loaded and shown by default
    frame.wait_for_function(
        "() => { const t = document.querySelector('video')?.textTracks[0];"
        " return t && t.cues && t.cues.length > 0; }",
        polling=100,
    )
    track = frame.evaluate(
        """() => { const v = document.querySelector('video'), t = v.textTracks[0];
        return {kind: t.kind, language: t.language, label: t.label, mode: t.mode,
          cue: t.cues[0].text, tracks: v.textTracks.length}; }"""
    )
    assert track == {
        "kind": "captions",
        "language": "en",
        "label": "English",  # the language's name in the visitor's language, not its code
        "mode": "showing",
        "cue": "Hello, this is how returns work",
        "tracks": 1,
    }
    # named in the visitor's language: a French visitor reads "anglais"
    for locale, name in (("fr", "anglais"), ("en", "English")):
        page.evaluate("l => Chinwag('setLocale', l)", locale)
        frame.wait_for_function(
            "n => document.querySelector('track').label === n", arg=name, polling=100
        )

    # the keyboard reaches the player's menu and its captions item, and turns captions off
    assert frame_focus(frame) == "#cw-input"
    _tab_to_control(page, "show more media controls")
    ring = _ring(frame)
    # an inner control of the player has focus: the video itself carries the widget's ring
    assert ring["tag"] == "VIDEO" and ring["style"] == "solid" and ring["width"] >= 3, ring
    assert ring["contrast"] >= 3, ring
    page.keyboard.press("Enter")
    _arrow_to(page, "show closed captions menu")
    page.keyboard.press("Enter")
    _arrow_to(page, "Off")
    page.keyboard.press("Enter")
    frame.wait_for_function(
        "() => document.querySelector('video').textTracks[0].mode !== 'showing'", polling=100
    )
    assert axe_violations(page) == []

    # dark and forced colours: the ring still stands out against the bubble around the video
    for media in ({"color_scheme": "dark"}, {"forced_colors": "active"}):
        page.emulate_media(**media)
        frame.wait_for_function(
            "m => matchMedia(m).matches",
            arg="(prefers-color-scheme: dark)"
            if "color_scheme" in media
            else "(forced-colors: active)",
        )
        _tab_to_control(page, "play")
        ring = _ring(frame)
        assert ring["style"] == "solid" and ring["width"] >= 3 and ring["contrast"] >= 3, (
            media,
            ring,
        )
    page.emulate_media(forced_colors="none", color_scheme="light")

    # the visitor's own bubble is brand-coloured: a link in it gets a ring of the text colour
    # on the brand (contrast-checked), not the default blue that vanishes on a blue brand
    for _ in range(15):
        if frame.evaluate("() => !!document.activeElement.closest('.cw-mine a')"):
            break
        page.keyboard.press("Shift+Tab")
    ring = _ring(frame)
    assert ring["tag"] == "A" and ring["style"] == "solid" and ring["contrast"] >= 3, ring


BLOCKS = [
    {"type": "text", "text": "Our shoes: נעליים"},
    {"type": "suggestions", "items": ["Pricing", "Opening hours"]},
    {"type": "rating", "id": "r1", "prompt": "How did we do?", "scale": 3},
    {
        "type": "card",
        "title": "Blue shoes",
        "text": "Comfortable and light",
        "url": "https://example.com/shoes",
        "buttons": [{"label": "Buy", "value": "buy"}, {"label": "Details", "value": "details"}],
    },
]


def test_a_message_of_blocks_reads_as_its_parts(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    token, host = embed_on_host(widget_server, host_page)
    staff = agent(widget_server, token)
    page.goto(host.origin)
    launcher(page).wait_for()
    frame = open_with_keyboard(page)
    page.keyboard.type("which shoes?")
    page.keyboard.press("Enter")
    conv = staff.wait_for(lambda: staff.messages(), page=page)[0]["conversation_id"]
    staff.say(conv, "Here is what we have:", BLOCKS)
    frame.locator(".cw-card").wait_for()
    message = frame.locator(".cw-msg", has_text="Here is what we have:")
    # each block is a part of its own: the chips and the card's buttons are lists (one choice
    # at a time, "list, 2 items"), the rating a group named by its question, the card a group
    # named by its title, which is a heading a screen reader can jump to
    expect(message).to_match_aria_snapshot(
        """
        - listitem:
          - paragraph: "Here is what we have:"
          - paragraph: "Our shoes: נעליים"
          - list:
            - listitem:
              - button "Pricing"
            - listitem:
              - button "Opening hours"
          - group "How did we do?":
            - button "1 out of 3"
            - button "2 out of 3"
            - button "3 out of 3"
          - group "Blue shoes":
            - heading "Blue shoes" [level=2]:
              - link "Blue shoes"
            - paragraph: Comfortable and light
            - list:
              - listitem:
                - button "Buy"
              - listitem:
                - button "Details"
          - time
        """
    )
    # every text, the message's and a text block's, finds its own direction (mixed scripts in
    # a right-to-left widget)
    dirs = message.locator(".cw-text").evaluate_all("els => els.map((e) => e.dir)")
    assert dirs == ["auto", "auto"], dirs
    # the same in the tree Chromium gives screen readers (CDP)
    nodes = ax_tree(page, FRAME)
    heading = ax_find(nodes, "heading", "Blue shoes")
    assert heading and heading[0]["props"].get("level") == 2, heading
    by_id = {n["id"]: n for n in nodes}
    lists = [n for n in nodes if n["role"] == "list" and n["name"] != "Messages"]
    items = [[by_id[c]["role"] for c in n["children"] if c in by_id] for n in lists]
    assert ["listitem", "listitem"] in items, items
    assert axe_violations(page) == []

    # the keyboard goes from chip to chip through the lists, and Enter answers with one
    for _ in range(20):
        if frame.evaluate("() => document.activeElement.textContent") == "Opening hours":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    staff.wait_for(lambda: any(m["text"] == "Opening hours" for m in staff.messages()), page=page)

"""Attachments end to end in Chromium: a visitor attaches an image and a video in the widget,
the agent gets both with thumbnails, the agent sends a PDF and the visitor downloads it."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import requests
from PIL import Image
from widget_helpers import axe_violations, chat_frame, embed_on_host, launcher

PREFIX = "/api/v1/plugins/chinwag-media"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    image = tmp_path / "photo.jpg"
    Image.new("RGB", (320, 200), (220, 60, 40)).save(image, "JPEG")
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
         "-t", "1", "-pix_fmt", "yuv420p", str(clip)],
        check=True, timeout=60,
    )  # fmt: skip
    return image, clip


def test_visitor_attaches_image_and_video_agent_sends_pdf(
    page: Any, widget_server: Any, host_page: Any, agent: Any, tmp_path: Path
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    image, clip = _files(tmp_path)
    staff = agent(server, token)
    auth = {"Authorization": f"Bearer {token}"}

    page.goto(host.origin)
    launcher(page).click()
    frame = chat_frame(page)
    frame.fill("#cw-input", "two files coming")
    frame.press("#cw-input", "Enter")
    conv = staff.wait_for(lambda: staff.messages())[0]["conversation_id"]

    frame.get_by_role("button", name="Attach a file").wait_for()
    assert axe_violations(page) == []  # the attachments place: its button
    frame.locator("input[type=file]").set_input_files(str(image))
    frame.locator(".cw-mine img").wait_for()
    assert axe_violations(page) == []  # and the uploaded image in the log
    frame.locator("input[type=file]").set_input_files(str(clip))
    frame.locator(".cw-mine video[poster]").wait_for(timeout=30_000)

    blocks = staff.wait_for(
        lambda: (
            [b for m in staff.messages() for b in m.get("blocks", [])]
            if len(staff.messages()) >= 3
            else None
        )
    )
    kinds = [b["type"] for b in blocks]
    assert kinds == ["image", "video"]
    # the agent can show both thumbnails once they are made (background jobs): the block as sent
    # when it was ready already, else the one of its media.updated plugin event

    def ready_block(block: dict[str, Any]) -> dict[str, Any]:
        return dict(
            staff.wait_for(
                lambda: (
                    next(
                        (
                            d["payload"]["block"]
                            for e, d in list(staff.events)
                            if e == "plugin.event"
                            and d["payload"]["media_id"] == block["media_id"]
                            and d["payload"]["block"].get("status") == "ready"
                        ),
                        None,
                    )
                    if block.get("status") != "ready"
                    else block
                ),
                timeout=30,
            )
        )

    image_ready = ready_block(blocks[0])
    assert requests.get(server.url + image_ready["thumbnail_url"], timeout=10).status_code == 200
    ready = ready_block(blocks[1])
    poster = requests.get(server.url + ready["poster_url"], timeout=10)
    assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/webp"

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    res = requests.post(
        f"{server.url}{PREFIX}/uploads",
        files={"file": ("terms.pdf", pdf)},
        data={"conversation_id": str(conv)},
        headers=auth,
        timeout=30,
    )
    assert res.status_code == 201, res.text
    assert staff.say(conv, "", [res.json()["block"]])["ok"]
    link = frame.locator(".cw-file", has_text="terms.pdf")
    with page.expect_download() as info:
        link.click()
    assert Path(info.value.path()).read_bytes() == pdf
    assert info.value.suggested_filename == "terms.pdf"
    shown = Image.open(io.BytesIO(requests.get(server.url + blocks[0]["url"], timeout=10).content))
    assert shown.size == (320, 200)

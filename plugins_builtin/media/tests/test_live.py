"""End to end over a real gevent server: uploads through HTTP, the poster arrives over a real
Socket.IO connection, and ffmpeg/Pillow work does not stall other requests' sockets."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import requests
import socketio
from media_testkit import PREFIX, jpeg_with_gps, processed


def test_visitor_uploads_over_real_server_and_gets_poster_pushed(
    live_server: Any, sample_video: bytes
) -> None:
    server = live_server()
    site = server.extra["site"]
    s = requests.post(
        f"{server.url}/api/v1/widget/session", json={"site_key": site["site_key"]}, timeout=10
    ).json()
    headers = {"Authorization": f"Visitor {s['visitor_token']}"}
    sock = socketio.SimpleClient()
    sock.connect(
        server.url,
        namespace="/widget",
        transports=["websocket"],
        auth={"site_key": site["site_key"], "visitor_token": s["visitor_token"]},
    )
    try:
        res = requests.post(
            f"{server.url}{PREFIX}/uploads",
            files={"file": ("clip.mp4", sample_video, "application/octet-stream")},
            headers=headers,
            timeout=30,
        )
        assert res.status_code == 201, res.text
        media_id = res.json()["media"]["id"]
        if res.json()["media"]["status"] == "processing":
            while True:
                name, data = sock.receive(timeout=30)
                if name == "plugin.event" and data["event"] == "media.updated":
                    break
            assert data["plugin"] == "chinwag-media" and data["conversation_id"] is None
            assert data["payload"]["media_id"] == media_id
            block = data["payload"]["block"]
        else:
            block = res.json()["block"]
        assert block["status"] == "ready" and block["poster_url"]
        poster = requests.get(f"{server.url}{block['poster_url']}", timeout=10)
        assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/webp"

        image = requests.post(
            f"{server.url}{PREFIX}/uploads",
            files={"file": ("p.jpg", jpeg_with_gps(), "image/jpeg")},
            headers=headers,
            timeout=30,
        ).json()
        ack = sock.call(
            "message.send",
            {"client_msg_id": "m1", "text": "two files", "blocks": [block, image["block"]]},
            timeout=15,
        )
        assert ack["ok"], ack
        assert [b["media_id"] for b in ack["message"]["blocks"]] == [media_id, image["media"]["id"]]
    finally:
        sock.disconnect()


def test_erasing_a_visitor_deletes_their_files_from_local_storage(
    chinwag_app: Any, chinwag_client: Any, visitor: Any, admin_token: str
) -> None:
    v = visitor()
    res = chinwag_client.post(
        f"{PREFIX}/uploads",
        data={"file": (io.BytesIO(jpeg_with_gps()), "p.jpg")},
        headers=v["headers"],
        content_type="multipart/form-data",
    )
    media_id = res.get_json()["media"]["id"]
    root = Path(chinwag_app.instance_path) / "media"
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == ["unprocessed"]
    processed(chinwag_client, chinwag_app, media_id, v["headers"])
    stored = sorted(p.name for p in root.rglob("*") if p.is_file())
    assert stored == ["original", "thumbnail"]
    admin = {"Authorization": f"Bearer {admin_token}"}
    exported = chinwag_client.get(f"/api/v1/visitors/{v['id']}/export", headers=admin).get_json()
    assert [f["id"] for f in exported["plugins"]["chinwag-media"]["files"]] == [media_id]
    # the archive an admin downloads holds the file itself, named in the JSON
    res = chinwag_client.get(f"/api/v1/visitors/{v['id']}/export.zip", headers=admin)
    archive = zipfile.ZipFile(io.BytesIO(res.data))
    listed = json.loads(archive.read("export.json"))["plugins"]["chinwag-media"]["files"]
    path = f"files/chinwag-media/{listed[0]['archive_path']}"
    original = (next(root.rglob("original"))).read_bytes()
    assert archive.read(path) == original and original[:3] == b"\xff\xd8\xff"
    assert chinwag_client.delete(f"/api/v1/visitors/{v['id']}", headers=admin).status_code == 200
    assert [p for p in root.rglob("*") if p.is_file()] == []


def test_retention_deletes_the_files_of_an_expired_conversation(
    chinwag_app: Any, chinwag_client: Any, visitor: Any, admin_token: str, socket_client: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    v = visitor()
    sock = socket_client("/widget", v["auth"])
    ack = sock.emit(
        "message.send", {"client_msg_id": "r1", "text": "photo"}, namespace="/widget", callback=True
    )
    conversation_id = ack["message"]["conversation_id"]
    res = chinwag_client.post(
        f"{PREFIX}/uploads",
        data={"file": (io.BytesIO(jpeg_with_gps()), "p.jpg"), "conversation_id": conversation_id},
        headers=v["headers"],
        content_type="multipart/form-data",
    )
    assert res.status_code == 201, res.get_json()
    processed(chinwag_client, chinwag_app, res.get_json()["media"]["id"], v["headers"])
    root = Path(chinwag_app.instance_path) / "media"
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == ["original", "thumbnail"]
    admin = {"Authorization": f"Bearer {admin_token}"}
    site_id = chinwag_client.get("/api/v1/sites", headers=admin).get_json()[0]["id"]
    window = {"conversation_days": 30, "visitor_inactive_days": None}
    res = chinwag_client.put(f"/api/v1/sites/{site_id}/retention", json=window, headers=admin)
    assert res.get_json()["next_run"]["conversations"] == 0
    # 31 days on, the core's retention job removes the conversation and the media its files
    from chinwag.testing import FakeClock, login, run_jobs

    with FakeClock(datetime.now(UTC) + timedelta(days=31)):
        admin = {
            "Authorization": f"Bearer {login(chinwag_client, 'admin@example.com', 'correct horse battery')}"
        }
        preview = chinwag_client.get(f"/api/v1/sites/{site_id}/retention", headers=admin)
        assert preview.get_json()["next_run"]["conversations"] == 1
        run_jobs(chinwag_app, scheduled=True)
        assert [p for p in root.rglob("*") if p.is_file()] == []
        res = chinwag_client.get(f"/api/v1/conversations/{conversation_id}", headers=admin)
        assert res.status_code == 404

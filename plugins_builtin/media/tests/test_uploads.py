"""Uploads through the Flask app on SQLite and PostgreSQL: what is accepted, what it becomes,
and who may read it."""

from __future__ import annotations

import io
from typing import Any

from media_testkit import GPS_LOCATION, PREFIX, jpeg_with_gps, png, processed, send, upload
from PIL import Image

from chinwag.testing import plugin_context


def test_image_upload_strips_gps_applies_orientation_and_serves_safely(
    chinwag_client: Any, chinwag_app: Any, visitor: Any, socket_client: Any
) -> None:
    v = visitor()
    res = upload(
        chinwag_client, jpeg_with_gps((64, 32), orientation=6), "holiday.jpg", v["headers"]
    )
    assert res.status_code == 201, res.get_json()
    media = res.get_json()["media"]
    # the bytes are cleaned by a background job; until then nothing of them is served
    assert media["kind"] == "image" and media["status"] == "processing"
    assert chinwag_client.get(res.get_json()["block"]["url"]).status_code == 404
    done = processed(chinwag_client, chinwag_app, media["id"], v["headers"])
    media, block = done["media"], done["block"]
    assert media["status"] == "ready"
    assert media["content_type"] == "image/jpeg" and media["name"] == "holiday.jpg"
    assert block["type"] == "image" and block["media_id"] == media["id"]
    # orientation 6 means "rotate to show": the stored pixels are upright, 32 wide, 64 high
    assert (block["width"], block["height"]) == (32, 64)

    served = chinwag_client.get(block["url"])
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "sandbox"
    assert served.headers["Content-Disposition"].startswith("inline")
    stored = Image.open(io.BytesIO(served.data))
    assert stored.size == (32, 64)
    assert not stored.getexif(), "EXIF (with GPS) must be gone"
    assert b"PhoneMaker" not in served.data

    thumb = chinwag_client.get(block["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.data)).format == "WEBP"

    # a visitor's block may not point elsewhere; as uploaded, the processor re-signs it from
    # the stored record
    sock = socket_client("/widget", v["auth"])
    ack = send(
        sock,
        "/widget",
        client_msg_id="m1",
        text="",
        blocks=[{**block, "url": "https://evil.example/x.jpg"}],
    )
    assert not ack["ok"] and ack["error"]["code"] == "media_not_allowed", ack
    ack = send(sock, "/widget", client_msg_id="m2", text="", blocks=[{**block, "alt": "sea"}])
    assert ack["ok"], ack
    sent = ack["message"]["blocks"][0]
    assert sent["media_id"] == media["id"] and sent["alt"] == "sea"
    assert sent["url"].startswith(f"{PREFIX}/media/{media['id']}/original?token=")


def test_video_gets_poster_in_background_and_pdf_from_agent_downloads_as_attachment(
    chinwag_client: Any,
    chinwag_app: Any,
    visitor: Any,
    socket_client: Any,
    sample_video: bytes,
    admin_token: str,
) -> None:
    v = visitor()
    res = upload(chinwag_client, sample_video, "clip.mp4", v["headers"])
    assert res.status_code == 201, res.get_json()
    media = res.get_json()["media"]
    assert media["kind"] == "video" and media["status"] == "processing"
    done = processed(chinwag_client, chinwag_app, media["id"], v["headers"])
    assert done["media"]["status"] == "ready", done
    assert done["media"]["width"] == 160 and done["media"]["height"] == 120
    # the clip's own length as ffprobe reads it (the sample is a 2 s video), not a time the test
    # measures
    clip_seconds = done["media"]["duration"]
    assert abs(clip_seconds - 2.0) < 0.5
    assert GPS_LOCATION.encode() in sample_video and b"PhoneMaker" in sample_video
    original = chinwag_client.get(done["block"]["url"])
    assert original.status_code == 200 and original.headers["Content-Disposition"].startswith(
        "inline"
    )
    assert GPS_LOCATION.encode() not in original.data and b"PhoneMaker" not in original.data
    assert done["media"]["size"] == len(original.data)
    # players seek with range requests
    part = chinwag_client.get(done["block"]["url"], headers={"Range": "bytes=4-11"})
    assert part.status_code == 206 and part.data == original.data[4:12]
    poster = chinwag_client.get(done["block"]["poster_url"])
    assert poster.status_code == 200 and Image.open(io.BytesIO(poster.data)).size == (160, 120)

    sock = socket_client("/widget", v["auth"])
    ack = send(sock, "/widget", client_msg_id="v1", text="look", blocks=[done["block"]])
    assert ack["ok"], ack
    conv = ack["message"]["conversation_id"]

    agent = {"Authorization": f"Bearer {admin_token}"}
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    res = upload(chinwag_client, pdf, "invoice.pdf", agent, conversation_id=str(conv))
    assert res.status_code == 201, res.get_json()
    block = res.get_json()["block"]
    assert block["type"] == "file" and block["content_type"] == "application/pdf"
    assert block["name"] == "invoice.pdf" and block["size"] == len(pdf)
    # the visitor of that conversation can fetch it, as an attachment
    fetched = chinwag_client.get(
        f"{PREFIX}/media/{block['media_id']}/original", headers=v["headers"]
    )
    assert fetched.status_code == 200 and fetched.data == pdf
    assert fetched.headers["Content-Disposition"].startswith("attachment")
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"


def test_signed_links_expire_and_other_visitors_see_nothing(
    chinwag_client: Any, chinwag_app: Any, visitor: Any, socket_client: Any
) -> None:
    alice, bob = visitor(), visitor()
    res = upload(chinwag_client, png(), "a.png", alice["headers"])
    done = processed(chinwag_client, chinwag_app, res.get_json()["media"]["id"], alice["headers"])
    media, block = done["media"], done["block"]

    assert (
        chinwag_client.get(f"{PREFIX}/media/{media['id']}", headers=bob["headers"]).status_code
        == 404
    )
    assert (
        chinwag_client.get(
            f"{PREFIX}/media/{media['id']}/original", headers=bob["headers"]
        ).status_code
        == 404
    )
    assert chinwag_client.get(f"{PREFIX}/media/{media['id']}/original").status_code == 401
    # a token for the thumbnail does not open the original
    thumb_token = block["thumbnail_url"].split("token=")[1]
    assert (
        chinwag_client.get(f"{PREFIX}/media/{media['id']}/original?token={thumb_token}").status_code
        == 403
    )

    with chinwag_app.test_request_context():
        ctx = plugin_context(chinwag_app, "chinwag-media")
        expired = ctx.sign(f"{media['id']}/original", -1)
    res = chinwag_client.get(f"{PREFIX}/media/{media['id']}/original?token={expired}")
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "link_expired"

    # Bob cannot post Alice's upload in his own conversation
    sock = socket_client("/widget", bob["auth"])
    ack = send(sock, "/widget", client_msg_id="b1", text="", blocks=[block])
    assert not ack["ok"] and ack["error"]["code"] == "media_not_allowed"

    # an upload sent in one of Alice's conversations cannot be reused in another of hers
    a_sock = socket_client("/widget", alice["auth"])
    first = send(a_sock, "/widget", client_msg_id="a1", text="one")
    conv1 = first["message"]["conversation_id"]
    assert send(
        a_sock, "/widget", client_msg_id="a2", conversation_id=conv1, text="", blocks=[block]
    )["ok"]
    other = send(a_sock, "/widget", client_msg_id="a3", text="new conversation")
    conv2 = other["message"]["conversation_id"]
    assert conv2 != conv1
    ack = send(
        a_sock, "/widget", client_msg_id="a4", conversation_id=conv2, text="", blocks=[block]
    )
    assert not ack["ok"] and ack["error"]["code"] == "media_not_allowed"

"""Issue 21 items 2, 7 and 8: decompression bombs are decoded (if at all) in a bounded child
process, uploads are rate-limited, JPEG comments and XMP do not survive, and an upload sent in a
conversation's first message belongs to that conversation."""

from __future__ import annotations

import io
from typing import Any

from media_testkit import PREFIX, png, processed, send, set_settings, upload
from PIL import Image

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description photoshop:City="Secretville"/></rdf:RDF></x:xmpmeta>'
)


def _bomb() -> bytes:
    """A real 7000x7000 PNG (49 MP) that compresses to a few hundred KB."""
    out = io.BytesIO()
    Image.new("RGB", (7000, 7000), (10, 20, 30)).save(out, "PNG", optimize=True)
    return out.getvalue()


def _jpeg_with_comment() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 32), (200, 30, 30)).save(
        out, "JPEG", comment=b"secret-comment: shot at 12 Private Lane", xmp=XMP
    )
    return out.getvalue()


def _markers(jpeg: bytes) -> list[int]:
    """The JPEG's segment markers up to the image data."""
    found, at = [], 2
    while at + 4 <= len(jpeg) and jpeg[at] == 0xFF:
        marker = jpeg[at + 1]
        found.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        at += 2 + int.from_bytes(jpeg[at + 2 : at + 4], "big")
    return found


def test_pixel_bomb_is_refused_by_default_and_decoded_only_in_a_bounded_child(
    chinwag_client: Any, chinwag_app: Any, visitor: Any, admin_token: str
) -> None:
    v = visitor()
    bomb = _bomb()
    assert len(bomb) < 1_000_000
    # the default cap (24 MP) refuses it from its header: no pixel is decoded anywhere
    res = upload(chinwag_client, bomb, "huge.png", v["headers"])
    assert res.status_code == 413, res.get_json()
    assert res.get_json()["error"]["code"] == "media_too_many_pixels"

    # an admin who raises the cap still cannot make the server decode it in its own memory:
    # the job's child process is refused past its memory limit
    set_settings(
        chinwag_client,
        admin_token,
        settings={"max_image_pixels": 50_000_000, "image_memory_mb": 64},
    )
    res = upload(chinwag_client, bomb, "huge.png", v["headers"])
    assert res.status_code == 201, res.get_json()
    done = processed(chinwag_client, chinwag_app, res.get_json()["media"]["id"], v["headers"])
    assert done["media"]["status"] == "failed", done
    assert done["media"]["error_code"] == "media_too_large_to_process"
    assert chinwag_client.get(done["block"]["url"]).status_code == 404
    # the same tight limit is enough for an ordinary image
    res = upload(chinwag_client, png((300, 200)), "fine.png", v["headers"])
    done = processed(chinwag_client, chinwag_app, res.get_json()["media"]["id"], v["headers"])
    assert done["media"]["status"] == "ready" and done["media"]["width"] == 300


def test_jpeg_comment_and_xmp_do_not_survive_the_re_encode(
    chinwag_client: Any, chinwag_app: Any, visitor: Any
) -> None:
    v = visitor()
    original = _jpeg_with_comment()
    assert 0xFE in _markers(original) and b"secret-comment" in original
    assert b"Secretville" in original
    res = upload(chinwag_client, original, "photo.jpg", v["headers"])
    assert res.status_code == 201, res.get_json()
    done = processed(chinwag_client, chinwag_app, res.get_json()["media"]["id"], v["headers"])
    assert done["media"]["status"] == "ready", done
    for link in (done["block"]["url"], done["block"]["thumbnail_url"]):
        served = chinwag_client.get(link)
        assert served.status_code == 200
        assert b"secret-comment" not in served.data and b"Secretville" not in served.data
        assert b"adobe:ns:meta" not in served.data
    stored = chinwag_client.get(done["block"]["url"]).data
    assert 0xFE not in _markers(stored), "no COM segment"
    assert Image.open(io.BytesIO(stored)).size == (48, 32)


def test_uploads_are_rate_limited_per_visitor_and_per_site(
    chinwag_client: Any, visitor: Any, admin_token: str
) -> None:
    set_settings(
        chinwag_client,
        admin_token,
        settings={"uploads_per_visitor_per_minute": 2, "uploads_per_site_per_minute": 3},
    )
    alice, bob = visitor(), visitor()
    for i in range(2):
        assert upload(chinwag_client, b"note\n", f"{i}.txt", alice["headers"]).status_code == 201
    res = upload(chinwag_client, b"note\n", "2.txt", alice["headers"])
    assert res.status_code == 429 and res.get_json()["error"]["code"] == "media_rate_limited"
    # Bob has his own allowance, until the site's is used up
    assert upload(chinwag_client, b"note\n", "b.txt", bob["headers"]).status_code == 201
    res = upload(chinwag_client, b"note\n", "b2.txt", bob["headers"])
    assert res.status_code == 429 and res.get_json()["error"]["code"] == "media_rate_limited"


def test_upload_sent_in_a_first_message_is_bound_to_that_conversation(
    chinwag_client: Any, chinwag_app: Any, visitor: Any, socket_client: Any
) -> None:
    v = visitor()
    res = upload(chinwag_client, png(), "a.png", v["headers"])
    block = processed(chinwag_client, chinwag_app, res.get_json()["media"]["id"], v["headers"])[
        "block"
    ]
    sock = socket_client("/widget", v["auth"])
    first = send(sock, "/widget", client_msg_id="f1", text="look", blocks=[block])
    assert first["ok"], first
    conv1 = first["message"]["conversation_id"]
    media = chinwag_client.get(f"{PREFIX}/media/{block['media_id']}", headers=v["headers"])
    assert media.get_json()["media"]["conversation_id"] == conv1

    # neither a new conversation nor another existing one may carry it again
    again = send(sock, "/widget", client_msg_id="f2", text="again", blocks=[block])
    assert not again["ok"] and again["error"]["code"] == "media_not_allowed", again
    other = send(sock, "/widget", client_msg_id="f3", text="another conversation")
    assert other["ok"] and other["message"]["conversation_id"] != conv1
    ack = send(
        sock,
        "/widget",
        client_msg_id="f4",
        conversation_id=other["message"]["conversation_id"],
        text="",
        blocks=[block],
    )
    assert not ack["ok"] and ack["error"]["code"] == "media_not_allowed", ack
    # in its own conversation it may be shown again
    ack = send(sock, "/widget", client_msg_id="f5", conversation_id=conv1, text="", blocks=[block])
    assert ack["ok"], ack


def test_media_whose_processing_never_finished_is_failed_and_its_bytes_deleted(
    chinwag_client: Any, chinwag_app: Any, visitor: Any
) -> None:
    from datetime import timedelta

    from chinwag_media.models import MediaFile

    from chinwag.testing import run_jobs

    v = visitor()
    media_id = upload(chinwag_client, png(), "a.png", v["headers"]).get_json()["media"]["id"]
    chinwag = chinwag_app.extensions["chinwag"]
    with chinwag_app.app_context():
        ctx = chinwag.context(chinwag.plugins.records["chinwag-media"])
        row = ctx.db_session.get(MediaFile, media_id)
        unprocessed = row.details["unprocessed"]
        # its job was lost long ago (say every retry failed while the storage was down)
        chinwag.jobs.huey.flush()
        row.created_at = row.created_at - timedelta(hours=2)
        ctx.db_session.commit()
    run_jobs(chinwag_app, scheduled=True)  # the plugin's StaleUploadSweep
    body = chinwag_client.get(f"{PREFIX}/media/{media_id}", headers=v["headers"]).get_json()
    assert body["media"]["status"] == "failed"
    with chinwag_app.app_context():
        assert not ctx.storage().exists(unprocessed)

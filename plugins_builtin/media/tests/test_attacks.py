"""The attack corpus: every hostile upload is refused with a stable code, and the ffmpeg
sandbox does not follow a playlist to a local file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from chinwag_media import video
from chinwag_plugin_api import PluginError
from media_testkit import PREFIX, png, png_header_only, processed, set_settings, upload
from PIL import Image

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<!doctype html><html><body><script>fetch('/api/v1/auth/me')</script></body></html>"
PLAYLIST = b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile://{secret}\n#EXT-X-ENDLIST\n"


def _gif_polyglot() -> bytes:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    return out.getvalue() + b"<script>alert(1)</script>"


def _pdf_zip_polyglot() -> bytes:
    return b"%PDF-1.4\n%%EOF\n" + b"PK\x03\x04" + b"\0" * 40 + b"PK\x05\x06" + b"\0" * 18


CORPUS = [
    ("svg-with-script", SVG, "cat.svg", 415, "media_type_not_allowed"),
    ("html-renamed-png", HTML, "cat.png", 415, "media_type_not_allowed"),
    (
        "elf-renamed-txt",
        b"\x7fELF\x02\x01\x01\x00" + b"\0" * 120,
        "notes.txt",
        415,
        "media_type_not_allowed",
    ),
    ("windows-exe", b"MZ\x90\x00" + b"\0" * 200, "setup.pdf", 415, "media_type_not_allowed"),
    ("png-named-jpg", png(), "photo.jpg", 415, "media_type_mismatch"),
    ("gif-with-script", _gif_polyglot(), "anim.gif", 415, "media_polyglot"),
    ("pdf-with-zip", _pdf_zip_polyglot(), "doc.pdf", 415, "media_polyglot"),
    ("50k-by-50k-png", png_header_only(50_000, 50_000), "huge.png", 413, "media_too_many_pixels"),
    (
        "hls-playlist-as-mp4",
        PLAYLIST.replace(b"{secret}", b"/etc/passwd"),
        "clip.mp4",
        415,
        "media_type_mismatch",
    ),
    (
        "hls-behind-mp4-header",
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
        + PLAYLIST.replace(b"{secret}", b"/etc/passwd"),
        "clip.mp4",
        415,
        "media_polyglot",
    ),
    ("empty", b"", "nothing.txt", 400, "media_empty"),
    (
        "mp4-header-then-garbage",
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x13" * 4000,
        "clip.mp4",
        415,
        "media_invalid",
    ),
]


#: refused by the background job that decodes them, not by the upload's own checks
REFUSED_BY_PROCESSING = {"mp4-header-then-garbage"}


def test_attack_corpus_is_refused(chinwag_client: Any, chinwag_app: Any, visitor: Any) -> None:
    v = visitor()
    for label, data, name, status, code in CORPUS:
        res = upload(chinwag_client, data, name, v["headers"])
        if label in REFUSED_BY_PROCESSING:
            assert res.status_code == 201, (label, res.get_json())
            done = processed(
                chinwag_client, chinwag_app, res.get_json()["media"]["id"], v["headers"]
            )
            assert done["media"]["status"] == "failed", label
            assert done["media"]["error_code"] == code, (label, done)
            assert chinwag_client.get(done["block"]["url"]).status_code == 404, label
            continue
        assert res.status_code == status, (label, res.get_json())
        assert res.get_json()["error"]["code"] == code, label
    # nothing of it was stored
    res = chinwag_client.get("/api/v1/plugins/chinwag-media/limits", headers=v["headers"])
    assert res.status_code == 200 and "image/svg+xml" not in res.get_json()["allowed_types"]


def test_size_limits_per_site_and_media_off(
    chinwag_client: Any, visitor: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    v = visitor()
    site = str(demo_site["id"])
    set_settings(
        chinwag_client,
        admin_token,
        settings={
            "max_size_mb": 2,
            "sites": {site: {"max_size_mb": 1, "allowed_types": ["text/plain"]}},
        },
    )
    limits = chinwag_client.get(f"{PREFIX}/limits", headers=v["headers"]).get_json()
    assert limits == {"enabled": True, "max_size": 1024 * 1024, "allowed_types": ["text/plain"]}

    res = upload(chinwag_client, b"a" * (1024 * 1024 + 10), "big.txt", v["headers"])
    assert res.status_code == 413 and res.get_json()["error"]["code"] == "media_too_large"
    # past the largest limit of any site the body is refused before it is read
    res = upload(chinwag_client, b"a" * (3 * 1024 * 1024), "bigger.txt", v["headers"])
    assert res.status_code == 413 and res.get_json()["error"]["code"] == "media_too_large"
    res = upload(chinwag_client, png(), "ok.png", v["headers"])
    assert res.status_code == 415 and res.get_json()["error"]["code"] == "media_type_not_allowed"
    assert upload(chinwag_client, b"hello\n", "hello.txt", v["headers"]).status_code == 201

    # admins cannot allow what is never safe
    res = chinwag_client.patch(
        "/api/v1/plugins/chinwag-media",
        json={"settings": {"allowed_types": ["image/svg+xml"]}},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 400

    set_settings(chinwag_client, admin_token, settings={"sites": {site: {"enabled": False}}})
    res = upload(chinwag_client, b"hello\n", "hello.txt", v["headers"])
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "media_disabled"

    set_settings(chinwag_client, admin_token, enabled=False)
    res = upload(chinwag_client, b"hello\n", "hello.txt", v["headers"])
    assert res.status_code == 404 and "error" in res.get_json()
    session = chinwag_client.post(
        "/api/v1/widget/session",
        json={"site_key": demo_site["site_key"]},
        headers={"Origin": "https://shop.example"},
    ).get_json()
    # no attachments any more (the Privacy tab of every site stays)
    assert "attachments" not in [f["type"] for f in session["features"]["features"]]


def test_ffmpeg_does_not_follow_a_playlist_to_a_local_file(tmp_path: Path) -> None:
    """Even if a playlist reached ffmpeg as a "video", the forced demuxer and the protocol
    whitelist keep the local file's contents out of the poster."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-" * 100)
    playlist = tmp_path / "clip.mp4"
    playlist.write_bytes(PLAYLIST.replace(b"{secret}", str(secret).encode()))
    for demuxer in ("mov", "matroska"):
        with pytest.raises(PluginError) as err:
            video.inspect(str(playlist), demuxer, timeout=20)
        assert err.value.code == "media_invalid"
        assert "TOP-SECRET" not in err.value.message

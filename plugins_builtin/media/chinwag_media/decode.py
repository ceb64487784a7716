"""Image decoding in a bounded child process.

A small PNG can claim 7000x7000 pixels and decode to 150 MB per copy; decoding it in the server
(or in a worker that runs other jobs) grew its RSS by gigabytes that were never given back. The
child (``python -m chinwag_media.images``) gets the bytes on stdin, limits its own address space
and CPU time with ``setrlimit`` before it reads them, and answers the re-encoded image and its
thumbnail. Whatever the image does, this process's memory does not move; a child past its limit
is refused with ``media_too_large_to_process``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from chinwag_plugin_api import PluginError

from chinwag_media import images


def _run(
    mode: str, data: bytes, content_type: str, max_pixels: int, memory_mb: int, timeout: int
) -> tuple[dict[str, Any], list[bytes]]:
    args = [mode, content_type, str(max_pixels), str(memory_mb * 1024 * 1024), str(timeout)]
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "chinwag_media.images", *args],
            input=data,
            capture_output=True,
            timeout=timeout + 5,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PluginError("The image took too long to process.", "media_timeout", 422) from None
    if proc.returncode == images.OUT_OF_MEMORY or proc.returncode < 0:
        # a MemoryError, or killed by the kernel past its limits (SIGKILL, SIGXCPU)
        raise PluginError(
            "The image needs more memory than this server allows.",
            "media_too_large_to_process",
            413,
        )
    head, _, body = proc.stdout.partition(b"\n")
    try:
        header: dict[str, Any] = json.loads(head)
    except ValueError:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no answer"]
        raise PluginError(
            f"The image cannot be read: {tail[0][:200]}", "media_invalid", 415
        ) from None
    if not header.get("ok"):
        raise PluginError(str(header["message"]), str(header["code"]), int(header["status"]))
    parts, at = [], 0
    for length in header["lengths"]:
        parts.append(body[at : at + length])
        at += length
    return header, parts


def process_image(
    data: bytes, content_type: str, max_pixels: int, memory_mb: int, timeout: int = 60
) -> images.ProcessedImage:
    """Re-encode an image (no metadata, upright) and make its thumbnail, in a bounded child."""
    header, (clean, thumb) = _run("image", data, content_type, max_pixels, memory_mb, timeout)
    width, height = int(header["width"]), int(header["height"])
    return images.ProcessedImage(clean, content_type, width, height, thumb)


def thumbnail(png: bytes, memory_mb: int, timeout: int = 60) -> bytes:
    """A video poster (PNG from ffmpeg) as a WebP thumbnail, in a bounded child."""
    _header, (thumb,) = _run("thumbnail", png, "image/png", 0, memory_mb, timeout)
    return thumb


def check_header(fp: Any, content_type: str, max_pixels: int) -> None:
    """:func:`images.check_header` (no pixel decoded, safe here) with Chinwag's error."""
    try:
        images.check_header(fp, content_type, max_pixels)
    except images.ImageRefused as exc:
        raise PluginError(exc.message, exc.code, exc.status) from None

"""Image processing with Pillow: bomb limits, a format allow-list, orientation applied, then
every metadata block (EXIF with GPS, XMP, JPEG/GIF comments, PNG text) dropped by re-encoding
the pixels with nothing of the decoded ``info`` but what drawing needs.

Decoding is CPU- and memory-bound: it runs in a bounded child process (:mod:`chinwag_media.decode`
starts ``python -m chinwag_media.images``, which imports nothing but Pillow, so it starts fast);
only :func:`check_header`, which reads the header and no pixel, runs in the server.
"""

from __future__ import annotations

import io
import json
import resource
import sys
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

#: decoders Pillow may use; anything else (including every plugin format) is refused
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
THUMB_SIZE = (480, 480)
MAX_FRAMES = 300
#: decoded ``info`` keys the encoders need to draw the image again; everything else (``exif``,
#: ``xmp``, ``comment``, PNG text chunks, ...) is metadata and never written back
DRAWING_INFO = ("transparency", "loop", "duration", "background", "disposal")

# the global guard at the largest limit the settings allow; each call checks the configured
# limit itself from the header, before any pixel is decoded
Image.MAX_IMAGE_PIXELS = 200_000_000


class ImageRefused(Exception):
    """An image Chinwag will not keep, with the stable code and HTTP status of the refusal
    (the plugin turns it into a ``PluginError``; this module imports nothing of Chinwag)."""

    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    content_type: str
    width: int
    height: int
    thumbnail: bytes


def _open(fp: IO[bytes], content_type: str, max_pixels: int) -> Image.Image:
    fp.seek(0)
    try:
        im = Image.open(fp, formats=list(FORMATS))
    except Image.DecompressionBombError:
        raise ImageRefused("The image has too many pixels.", "media_too_many_pixels", 413) from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageRefused(f"The image cannot be read: {exc}", "media_invalid", 415) from None
    if FORMATS.get(im.format or "") != content_type:
        raise ImageRefused(
            "The image's format does not match its content.", "media_type_mismatch", 415
        )
    width, height = im.size
    frames = getattr(im, "n_frames", 1)
    if width * height > max_pixels or width * height * min(frames, MAX_FRAMES) > max_pixels * 4:
        raise ImageRefused(
            f"The image is too large ({width}x{height} pixels).", "media_too_many_pixels", 413
        )
    if frames > MAX_FRAMES:
        raise ImageRefused("The animation has too many frames.", "media_too_many_pixels", 413)
    return im


def check_header(fp: IO[bytes], content_type: str, max_pixels: int) -> tuple[int, int]:
    """Refuse a wrong format or too many pixels from the header alone (no pixel is decoded, so
    this is safe in the server); returns (width, height)."""
    with _open(fp, content_type, max_pixels) as im:
        size: tuple[int, int] = im.size
    fp.seek(0)
    return size


def _bare(im: Image.Image) -> None:
    """Forget the decoded metadata; encoders copy some of it (a JPEG's comment) by default."""
    im.info = {k: v for k, v in im.info.items() if k in DRAWING_INFO}


def process_image(fp: IO[bytes], content_type: str, max_pixels: int) -> ProcessedImage:
    """Re-encode the image without metadata, upright, and make its thumbnail."""
    im = _open(fp, content_type, max_pixels)
    animated = getattr(im, "n_frames", 1) > 1
    out = io.BytesIO()
    icc = im.info.get("icc_profile")
    try:
        if animated:
            # frames are re-encoded one by one; metadata is not copied
            loop = im.info.get("loop", 0)
            _bare(im)
            im.save(out, format=im.format, save_all=True, exif=b"", comment=b"", loop=loop)
            upright = im
        else:
            upright = ImageOps.exif_transpose(im)
            _bare(upright)
            _save_still(upright, im.format or "PNG", out, icc)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRefused(f"The image cannot be read: {exc}", "media_invalid", 415) from None
    width, height = upright.size
    thumb = make_thumbnail(fp, content_type, max_pixels)
    return ProcessedImage(out.getvalue(), content_type, width, height, thumb)


def _save_still(im: Image.Image, fmt: str, out: IO[bytes], icc: bytes | None) -> None:
    if fmt == "JPEG":
        if im.mode not in ("RGB", "L", "CMYK"):
            im = im.convert("RGB")
        im.save(out, "JPEG", quality=88, optimize=True, icc_profile=icc, comment=b"")
    elif fmt == "GIF":
        im.save(out, "GIF")
    elif fmt == "WEBP":
        im.save(out, "WEBP", quality=88, icc_profile=icc)
    else:
        im.save(out, "PNG", optimize=False, icc_profile=icc)


def make_thumbnail(fp: IO[bytes], content_type: str, max_pixels: int) -> bytes:
    """A WebP thumbnail of at most 480x480. JPEGs are decoded at reduced scale (``draft``), which
    is several times faster than decoding every pixel of a phone photo."""
    im = _open(fp, content_type, max_pixels)
    if im.format == "JPEG":
        im.draft("RGB", (THUMB_SIZE[0] * 2, THUMB_SIZE[1] * 2))
    im = ImageOps.exif_transpose(im)
    return thumbnail_of(im)


def thumbnail_of(im: Image.Image) -> bytes:
    _bare(im)
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if "transparency" in im.info or im.mode in ("LA", "PA") else "RGB")
    im.thumbnail(THUMB_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    im.save(out, "WEBP", quality=80)
    return out.getvalue()


# -- the bounded child process (python -m chinwag_media.images) -------------------------------

#: exit status of a child that ran out of memory
OUT_OF_MEMORY = 3


def _limit(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))


def _answer(out: IO[bytes], header: dict[str, object], *parts: bytes) -> None:
    header["lengths"] = [len(p) for p in parts]
    out.write(json.dumps(header).encode() + b"\n")
    for part in parts:
        out.write(part)
    out.flush()


def child_main(argv: list[str]) -> int:
    """``mode content_type max_pixels memory_bytes cpu_seconds``, the image on stdin; mode is
    ``image`` (re-encode + thumbnail) or ``thumbnail`` (a video poster's PNG to WebP). Answers a
    JSON header line, then the parts it lists."""
    mode, content_type, max_pixels, memory, cpu = argv
    from PIL import GifImagePlugin, JpegImagePlugin, PngImagePlugin, WebPImagePlugin  # noqa: F401

    _limit(int(memory), int(cpu))  # before a byte of the image is read
    out = sys.stdout.buffer
    try:
        data = sys.stdin.buffer.read()
        if mode == "thumbnail":
            with Image.open(io.BytesIO(data), formats=["PNG"]) as im:
                thumb = thumbnail_of(im)
            _answer(out, {"ok": True}, thumb)
        else:
            done = process_image(io.BytesIO(data), content_type, int(max_pixels))
            header: dict[str, object] = {"ok": True, "width": done.width, "height": done.height}
            _answer(out, header, done.data, done.thumbnail)
    except MemoryError:
        return OUT_OF_MEMORY
    except ImageRefused as exc:
        _answer(out, {"ok": False, "message": exc.message, "code": exc.code, "status": exc.status})
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))

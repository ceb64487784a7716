"""Image processing with Pillow: bomb limits, a format allow-list, orientation applied, then
every metadata block (EXIF with GPS, XMP, comments) dropped by re-encoding the pixels.

These functions are CPU-bound: callers run them through ``ctx.run_blocking``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from chinwag_plugin_api import PluginError
from PIL import Image, ImageOps, UnidentifiedImageError

#: decoders Pillow may use; anything else (including every plugin format) is refused
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
THUMB_SIZE = (480, 480)
MAX_FRAMES = 300

# the global guard at the largest limit the settings allow; each call checks the configured
# limit itself from the header, before any pixel is decoded
Image.MAX_IMAGE_PIXELS = 200_000_000


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
        raise PluginError("The image has too many pixels.", "media_too_many_pixels", 413) from None
    except (UnidentifiedImageError, OSError) as exc:
        raise PluginError(f"The image cannot be read: {exc}", "media_invalid", 415) from None
    if FORMATS.get(im.format or "") != content_type:
        raise PluginError(
            "The image's format does not match its content.", "media_type_mismatch", 415
        )
    width, height = im.size
    frames = getattr(im, "n_frames", 1)
    if width * height > max_pixels or width * height * min(frames, MAX_FRAMES) > max_pixels * 4:
        raise PluginError(
            f"The image is too large ({width}x{height} pixels).", "media_too_many_pixels", 413
        )
    if frames > MAX_FRAMES:
        raise PluginError("The animation has too many frames.", "media_too_many_pixels", 413)
    return im


def process_image(fp: IO[bytes], content_type: str, max_pixels: int) -> ProcessedImage:
    """Re-encode the image without metadata, upright, and make its thumbnail."""
    im = _open(fp, content_type, max_pixels)
    animated = getattr(im, "n_frames", 1) > 1
    out = io.BytesIO()
    try:
        if animated:
            # frames are re-encoded one by one; metadata is not copied
            im.save(out, format=im.format, save_all=True, exif=b"", loop=im.info.get("loop", 0))
            upright = im
        else:
            upright = ImageOps.exif_transpose(im)
            _save_still(upright, im.format or "PNG", out)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PluginError(f"The image cannot be read: {exc}", "media_invalid", 415) from None
    width, height = upright.size
    thumb = make_thumbnail(fp, content_type, max_pixels)
    return ProcessedImage(out.getvalue(), content_type, width, height, thumb)


def _save_still(im: Image.Image, fmt: str, out: IO[bytes]) -> None:
    icc = im.info.get("icc_profile")
    if fmt == "JPEG":
        if im.mode not in ("RGB", "L", "CMYK"):
            im = im.convert("RGB")
        im.save(out, "JPEG", quality=88, optimize=True, icc_profile=icc)
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
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if "transparency" in im.info or im.mode in ("LA", "PA") else "RGB")
    im.thumbnail(THUMB_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    im.save(out, "WEBP", quality=80)
    return out.getvalue()

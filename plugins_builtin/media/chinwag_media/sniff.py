"""Decide what an upload *is* from its bytes (libmagic), never from its name or the client's
Content-Type, and refuse what a browser could run: markup, scripts, executables, polyglots."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import magic
from chinwag_plugin_api import PluginError

#: every type Chinwag can accept safely: kind, file extensions, ffmpeg demuxer (videos)
KNOWN_TYPES: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "image/jpeg": ("image", (".jpg", ".jpeg", ".jpe", ".jfif"), None),
    "image/png": ("image", (".png",), None),
    "image/gif": ("image", (".gif",), None),
    "image/webp": ("image", (".webp",), None),
    "video/mp4": ("video", (".mp4", ".m4v"), "mov"),
    "video/quicktime": ("video", (".mov", ".qt"), "mov"),
    "video/webm": ("video", (".webm",), "matroska"),
    "application/pdf": ("file", (".pdf",), None),
    "text/plain": ("file", (".txt", ".text", ".log", ".md", ".csv"), None),
    "text/csv": ("file", (".csv",), None),
    "application/zip": ("file", (".zip",), None),
}

#: libmagic's names for the same thing
ALIASES = {
    "video/x-m4v": "video/mp4",
    "audio/mp4": "video/mp4",
    "video/x-matroska": "video/webm",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
}

#: never accepted, whatever the settings say (browsers execute or render these)
FORBIDDEN_PREFIXES = (
    "image/svg",
    "text/html",
    "application/xhtml",
    "text/xml",
    "application/xml",
    "application/javascript",
    "text/javascript",
    "application/x-executable",
    "application/x-dosexec",
    "application/x-sharedlib",
    "application/x-mach-binary",
    "application/x-pie-executable",
    "application/x-elf",
    "text/x-shellscript",
    "text/x-script",
    "application/x-httpd-php",
    "text/x-php",
    "application/vnd.apple.mpegurl",
    "audio/x-mpegurl",
    "application/x-mpegurl",
)

#: markup or playlists hidden in a file of another type make it a polyglot
ACTIVE_MARKERS = (
    b"<script",
    b"<html",
    b"<svg",
    b"<!doctype html",
    b"<iframe",
    b"<?php",
    b"<body",
    b"<object",
    b"<embed",
    b"#extm3u",
)
#: an archive glued to another file (PDF+ZIP, JPEG+ZIP, ...)
ZIP_END = b"PK\x05\x06"
WINDOW = 64 * 1024


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    kind: str
    demuxer: str | None


def refuse(code: str, message: str, status: int = 415) -> PluginError:
    return PluginError(message, code, status)


def sniff(fp: IO[bytes], filename: str, allowed: list[str]) -> Sniffed:
    """Identify the upload and check it against ``allowed``; raise a PluginError otherwise."""
    fp.seek(0)
    head = fp.read(WINDOW)
    fp.seek(0)
    if not head:
        raise refuse("media_empty", "The file is empty.", 400)
    found = magic.from_buffer(head, mime=True).lower()
    found = ALIASES.get(found, found)
    if found.startswith(FORBIDDEN_PREFIXES) or head[:2] == b"MZ" or head[:4] == b"\x7fELF":
        raise refuse("media_type_not_allowed", f"Files of type {found} are never accepted.")
    if found not in KNOWN_TYPES or found not in allowed:
        raise refuse("media_type_not_allowed", f"Files of type {found} are not accepted here.")
    kind, extensions, demuxer = KNOWN_TYPES[found]
    ext = os.path.splitext(filename.lower())[1]
    if ext and ext not in extensions:
        raise refuse(
            "media_type_mismatch",
            f"The file's name says {ext} but its content is {found}.",
        )
    _check_polyglot(fp, found, kind)
    return Sniffed(found, kind, demuxer)


def _windows(fp: IO[bytes], whole: bool) -> Iterator[bytes]:
    """The parts of the file to scan; whole-file chunks overlap so no marker is cut in two."""
    fp.seek(0, os.SEEK_END)
    size = fp.tell()
    fp.seek(0)
    if whole or size <= 2 * WINDOW:
        carry = b""
        while chunk := fp.read(1024 * 1024):
            yield carry + chunk
            carry = chunk[-32:]
    else:
        yield fp.read(WINDOW)
        fp.seek(-WINDOW, os.SEEK_END)
        yield fp.read(WINDOW)
    fp.seek(0)


def _check_polyglot(fp: IO[bytes], content_type: str, kind: str) -> None:
    """Images and text are scanned whole (they are small and re-encoded or shown as text);
    videos and PDFs at both ends, where polyglot payloads sit for sniffers to find."""
    whole = kind == "image" or content_type.startswith("text/")
    for chunk in _windows(fp, whole):
        lowered = chunk.lower()
        for marker in ACTIVE_MARKERS:
            if marker in lowered:
                raise refuse(
                    "media_polyglot",
                    "The file hides content of another type (markup or a playlist).",
                )
        if content_type != "application/zip" and ZIP_END in chunk:
            raise refuse("media_polyglot", "The file hides an archive.")

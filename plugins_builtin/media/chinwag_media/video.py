"""Video facts and a poster frame from ffmpeg, hardened for hostile input.

- the demuxer is forced from the sniffed type (``-f mov`` / ``-f matroska``): ffmpeg never
  probes, so a "video" that is really an HLS playlist or a concat script is not followed;
- ``-protocol_whitelist file,pipe``: no network, no other protocol even if a demuxer asks;
- the child runs with resource limits (address space, CPU seconds, output size, open files)
  set in ``preexec_fn`` and a wall-clock timeout, with an empty environment and no stdin.

The commands are built with ffmpeg-python and run with :mod:`subprocess` (cooperative under
gevent's monkey-patching), never through a shell.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ffmpeg
from chinwag_plugin_api import PluginError

MEMORY_LIMIT = 1024 * 1024 * 1024  # 1 GiB of address space
OUTPUT_LIMIT = 32 * 1024 * 1024  # largest file ffmpeg may write
PROTOCOLS = "file,pipe"


@dataclass(frozen=True)
class VideoFacts:
    duration: float | None
    width: int | None
    height: int | None
    poster: bytes | None


def _limits(cpu_seconds: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT, OUTPUT_LIMIT))
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _run(args: list[str], timeout: int) -> bytes:
    try:
        proc = subprocess.run(
            args,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            env={"PATH": "/usr/bin:/bin"},
            preexec_fn=_limits(timeout),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PluginError("The video took too long to process.", "media_timeout", 422) from None
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
        raise PluginError(f"The video cannot be read: {tail[0][:200]}", "media_invalid", 415)
    return proc.stdout


def ffmpeg_binary(name: str) -> str:
    path = shutil.which(name, path="/usr/bin:/bin:/usr/local/bin")
    if path is None:
        raise PluginError(f"{name} is not installed on the server.", "media_unavailable", 503)
    return path


def probe(path: str, demuxer: str, timeout: int) -> dict[str, Any]:
    """ffprobe's JSON about the first video stream and the container."""
    args = [
        ffmpeg_binary("ffprobe"),
        "-v",
        "error",
        "-protocol_whitelist",
        PROTOCOLS,
        "-f",
        demuxer,
        "-show_entries",
        "format=duration,format_name:stream=codec_type,width,height",
        "-of",
        "json",
        f"file:{path}",
    ]
    out: dict[str, Any] = json.loads(_run(args, timeout) or b"{}")
    return out


def poster_args(path: str, demuxer: str, at: float) -> list[str]:
    """The ffmpeg command that writes one frame as PNG to stdout."""
    stream = ffmpeg.input(f"file:{path}", f=demuxer, ss=f"{at:.3f}", protocol_whitelist=PROTOCOLS)
    stream = ffmpeg.output(
        stream, "pipe:", vframes=1, format="image2", vcodec="png", an=None, sn=None
    )
    return [ffmpeg_binary("ffmpeg"), "-nostdin", "-v", "error", *ffmpeg.get_args(stream)]


#: the container a cleaned copy is written in, per input demuxer and sniffed type
MUXERS = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}


def strip_metadata(src: str, dst: str, demuxer: str, content_type: str, timeout: int) -> None:
    """Copy the first video and audio streams into a fresh container without any metadata
    (phones write GPS into MP4/QuickTime atoms and data streams). No re-encoding: ``-c copy``."""
    stream = ffmpeg.input(f"file:{src}", f=demuxer, protocol_whitelist=PROTOCOLS)
    out = ffmpeg.output(
        stream,
        f"file:{dst}",
        f=MUXERS[content_type],
        c="copy",
        map_metadata="-1",
        map_chapters="-1",
        sn=None,
        dn=None,
        **({"movflags": "+faststart"} if content_type != "video/webm" else {}),
    )
    args = ffmpeg.get_args(out)
    # keep only the first video and (optional) audio stream
    at = args.index(f"file:{dst}")
    args[at:at] = ["-map", "0:v:0", "-map", "0:a:0?", "-fflags", "+bitexact"]
    _run([ffmpeg_binary("ffmpeg"), "-nostdin", "-v", "error", "-y", *args], timeout)


def inspect(path: str, demuxer: str, timeout: int) -> VideoFacts:
    """Duration, dimensions and a poster (PNG bytes) of a video file."""
    info = probe(path, demuxer, timeout)
    streams = [s for s in info.get("streams", []) or [] if isinstance(s, dict)]
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None:
        raise PluginError("The file has no video stream.", "media_invalid", 415)
    fmt = info.get("format") or {}
    try:
        duration = float(fmt["duration"]) if isinstance(fmt, dict) and fmt.get("duration") else None
    except (TypeError, ValueError):
        duration = None
    at = min(1.0, duration / 2) if duration else 0.0
    poster = _run(poster_args(path, demuxer, at), timeout) or None
    if poster is None and at > 0:
        poster = _run(poster_args(path, demuxer, 0.0), timeout) or None
    return VideoFacts(duration, video.get("width"), video.get("height"), poster)

"""The media workflow shared by the routes, the message processors and the privacy handler:
accept an upload, store it, process it, describe it as a message block with signed links."""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from datetime import timedelta
from typing import IO, Any

from chinwag_plugin_api import (
    ActorRef,
    ConversationView,
    PluginContext,
    PluginError,
    StorageError,
)
from sqlalchemy import func, select

from chinwag_media import decode, video
from chinwag_media.events import MediaUploaded, size_bucket
from chinwag_media.models import MediaFile, iso_utc, utcnow
from chinwag_media.plugin import limits_for
from chinwag_media.sniff import sniff

EVENT_UPDATED = "media.updated"
ROUTE_PREFIX = "/api/v1/plugins/chinwag-media"
VARIANTS = ("original", "thumbnail")


def new_id() -> str:
    """128 random bits: media ids cannot be guessed or enumerated."""
    return secrets.token_hex(16)


def clean_name(name: str | None, default: str) -> str:
    """A display/download name without paths, control characters or quotes."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = re.sub(r'[\x00-\x1f\x7f"<>]', "", name).strip().lstrip(".")
    return name[:200] or default


def load(ctx: PluginContext, media_id: str, pending: bool = False) -> MediaFile | None:
    """The medium with this id; a direct upload not yet checked only when ``pending``."""
    if not re.fullmatch(r"[0-9a-f]{32}", media_id or ""):
        return None
    media = ctx.db_session.get(MediaFile, media_id)
    if media is not None and media.status == "pending" and not pending:
        return None
    return media


def may_view(ctx: PluginContext, media: MediaFile, actor: ActorRef) -> bool:
    """Agents see every conversation's media; a visitor sees the media of their own
    conversations (and uploads not yet sent in any)."""
    if actor.kind == "agent":
        return True
    return actor.kind == "visitor" and media.visitor_id == actor.id


# -- links and blocks -------------------------------------------------------------------------


def signed_url(ctx: PluginContext, media: MediaFile, variant: str) -> str:
    ttl = int(ctx.settings.get("url_ttl_seconds", 600))
    token = ctx.sign(f"{media.id}/{variant}", ttl)
    return f"{ROUTE_PREFIX}/media/{media.id}/{variant}?token={token}"


def media_json(ctx: PluginContext, media: MediaFile) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": media.id,
        "kind": media.kind,
        "name": media.name,
        "size": media.size,
        "content_type": media.content_type,
        "status": media.status,
        "url": signed_url(ctx, media, "original"),
        "conversation_id": media.conversation_id,
        "created_at": iso_utc(media.created_at),
    }
    if media.thumbnail_key:
        out["thumbnail_url"] = signed_url(ctx, media, "thumbnail")
    for key in ("width", "height", "duration", "error"):
        if getattr(media, key) is not None:
            out[key] = getattr(media, key)
    if (media.details or {}).get("error_code"):
        out["error_code"] = media.details["error_code"]
    return out


def block_for(ctx: PluginContext, media: MediaFile, alt: str = "") -> dict[str, Any]:
    """The message block of a medium, in the core's image/video/file block schemas."""
    url = signed_url(ctx, media, "original")
    thumb = signed_url(ctx, media, "thumbnail") if media.thumbnail_key else None
    if media.kind == "image":
        block: dict[str, Any] = {"type": "image", "url": url, "alt": alt, "status": media.status}
        if thumb:
            block["thumbnail_url"] = thumb
    elif media.kind == "video":
        block = {"type": "video", "url": url, "status": media.status}
        if thumb:
            block["poster_url"] = thumb
        if media.duration is not None:
            block["duration"] = media.duration
    else:
        return {
            "type": "file",
            "url": url,
            "name": media.name,
            "size": media.size,
            "content_type": media.content_type,
            "media_id": media.id,
        }
    if media.width and media.height:
        block["width"], block["height"] = media.width, media.height
    block["media_id"] = media.id
    return block


# -- upload -----------------------------------------------------------------------------------


def visitor_site(actor: ActorRef) -> int:
    """The site of a visitor, for a request without ``conversation_id``: agents must name the
    conversation (``400 conversation_required``)."""
    if actor.kind != "visitor" or actor.site_id is None:
        raise PluginError("conversation_id is required.", "conversation_required", 400)
    return actor.site_id


def _owner(ctx: PluginContext, actor: ActorRef, conversation_id: int | None) -> tuple[int, int]:
    """(site_id, visitor_id) the upload belongs to; 404 unless the actor takes part."""
    if conversation_id is not None:
        conv: ConversationView | None = ctx.conversation(conversation_id)
        if conv is None or not ctx.is_participant(conversation_id, actor):
            raise PluginError("No such conversation.", "not_found", 404)
        return conv.site_id, conv.visitor.id
    return visitor_site(actor), actor.id


def _site_limits(ctx: PluginContext, site_id: int) -> dict[str, Any]:
    limits: dict[str, Any] = limits_for(ctx.settings, site_id)
    if not limits["enabled"]:
        raise PluginError("Attachments are turned off for this site.", "media_disabled", 403)
    return limits


def check_rate(ctx: PluginContext, actor: ActorRef, site_id: int) -> None:
    """At most ``uploads_per_visitor_per_minute`` uploads per visitor and
    ``uploads_per_site_per_minute`` per site, counted from the stored uploads of the last
    minute (so every server process counts the same)."""
    since = utcnow() - timedelta(minutes=1)
    recent = select(func.count()).select_from(MediaFile).where(MediaFile.created_at >= since)
    session = ctx.db_session
    if actor.kind == "visitor":
        mine = session.execute(
            recent.where(MediaFile.uploader_kind == "visitor", MediaFile.uploader_id == actor.id)
        ).scalar_one()
        if mine >= int(ctx.settings.get("uploads_per_visitor_per_minute", 10)):
            raise PluginError(
                "You are sending files too quickly; wait a minute.", "media_rate_limited", 429
            )
    site = session.execute(recent.where(MediaFile.site_id == site_id)).scalar_one()
    if site >= int(ctx.settings.get("uploads_per_site_per_minute", 300)):
        raise PluginError(
            "This site receives too many files right now; try again in a minute.",
            "media_rate_limited",
            429,
        )


def upload(
    ctx: PluginContext,
    actor: ActorRef,
    fp: IO[bytes],
    filename: str | None,
    conversation_id: int | None,
) -> MediaFile:
    """Check and store one upload; images and videos are processed by a background job."""
    site_id, visitor_id = _owner(ctx, actor, conversation_id)
    limits = _site_limits(ctx, site_id)
    check_rate(ctx, actor, site_id)
    media = MediaFile(
        id=new_id(),
        site_id=site_id,
        visitor_id=visitor_id,
        conversation_id=conversation_id,
        uploader_kind=actor.kind,
        uploader_id=actor.id,
        details={},
    )
    return ingest(ctx, media, fp, filename, limits)


def ingest(
    ctx: PluginContext,
    media: MediaFile,
    fp: IO[bytes],
    filename: str | None,
    limits: dict[str, Any],
) -> MediaFile:
    """Sniff and check the bytes of ``media``, store them, commit it. Files are ready at once;
    images and videos are stored unprocessed (never served) and cleaned by
    :func:`process_upload` on the job queue, which announces the result."""
    size = _size(fp)
    if size > limits["max_size"]:
        raise media_too_large(limits["max_size"])
    # libmagic and the polyglot scan read the whole file: off the event loop too
    found = ctx.run_blocking(sniff, fp, filename or "", limits["allowed_types"])
    media.kind, media.content_type, media.size = found.kind, found.content_type, size
    media.name = clean_name(filename, found.kind)
    media.status = "ready"
    base = f"media/{media.site_id}/{media.id}"
    media.storage_key = f"{base}/original"
    storage = ctx.storage()
    if found.kind in ("image", "video"):
        if found.kind == "image":
            # the header alone refuses a bomb or a disguised format before anything is queued
            decode.check_header(fp, found.content_type, _max_pixels(ctx))
        unprocessed = f"{base}/unprocessed"
        fp.seek(0)
        storage.save(unprocessed, fp, found.content_type)
        media.details = {"unprocessed": unprocessed, "demuxer": found.demuxer}
        media.status = "processing"
    else:
        fp.seek(0)
        storage.save(media.storage_key, fp, found.content_type)
    session = ctx.db_session
    session.add(media)
    session.flush()  # a transaction is open: the event waits for its commit
    ctx.publish(
        MediaUploaded(
            media.site_id,
            media.visitor_id,
            media.conversation_id,
            media.uploader_kind,
            media.kind,
            media.content_type,
            size_bucket(size),
        )
    )
    session.commit()
    if media.status == "processing":
        ctx.run_in_background(process_upload, ctx, media.id)
    return media


#: how long an upload answer waits for a worker to pick its image up, then for the result
PICKUP_SECONDS = 0.5
IMAGE_WAIT_SECONDS = 5.0


def await_image(ctx: PluginContext, media: MediaFile) -> None:
    """Let the upload answer carry the processed image when a worker is quick (the usual case):
    a message sent with a block still ``processing`` keeps that state in the history. Waits
    :data:`PICKUP_SECONDS` for the job to start (no worker running: no longer), then up to
    :data:`IMAGE_WAIT_SECONDS` for its end; videos always finish in the background."""
    if media.kind != "image" or media.status != "processing":
        return
    session = ctx.db_session
    started = time.monotonic()
    while media.status == "processing":
        elapsed = time.monotonic() - started
        picked_up = bool((media.details or {}).get("started"))
        if elapsed > (IMAGE_WAIT_SECONDS if picked_up else PICKUP_SECONDS):
            return
        time.sleep(0.05)  # cooperative under gevent
        session.commit()  # end the read transaction: see the worker's commits
        session.refresh(media)


def _max_pixels(ctx: PluginContext) -> int:
    return int(ctx.settings.get("max_image_pixels", 24_000_000))


def _memory_mb(ctx: PluginContext) -> int:
    return int(ctx.settings.get("image_memory_mb", 512))


# -- direct uploads to the storage (S3 presigned POST) ------------------------------------------


def start_direct(
    ctx: PluginContext,
    actor: ActorRef,
    name: str,
    size: int,
    content_type: str,
    conversation_id: int | None,
) -> tuple[MediaFile, dict[str, Any]]:
    """Let the browser send a large file straight to the bucket. The presigned POST's policy
    limits the size and pins the content type; :func:`finish_direct` then checks the bytes like
    any upload before anyone can fetch them."""
    site_id, visitor_id = _owner(ctx, actor, conversation_id)
    limits = _site_limits(ctx, site_id)
    check_rate(ctx, actor, site_id)
    if size > limits["max_size"]:
        raise media_too_large(limits["max_size"])
    if content_type not in limits["allowed_types"]:
        raise PluginError(
            f"Files of type {content_type} are not accepted here.", "media_type_not_allowed", 415
        )
    storage = ctx.storage()
    presign = getattr(storage, "presigned_post", None)
    if presign is None:
        raise PluginError(
            "This server's storage takes uploads through Chinwag only.", "direct_unavailable", 409
        )
    media = MediaFile(
        id=new_id(),
        site_id=site_id,
        visitor_id=visitor_id,
        conversation_id=conversation_id,
        uploader_kind=actor.kind,
        uploader_id=actor.id,
        kind="file",
        name=clean_name(name, "file"),
        content_type=content_type,
        size=size,
        status="pending",
        details={},
    )
    media.storage_key = f"media/{site_id}/{media.id}/incoming"
    ttl = int(ctx.settings.get("url_ttl_seconds", 600))
    post: dict[str, Any] = presign(media.storage_key, content_type, limits["max_size"], ttl)
    ctx.db_session.add(media)
    ctx.db_session.commit()
    return media, post


def finish_direct(ctx: PluginContext, actor: ActorRef, media_id: str) -> MediaFile:
    """Check and process a directly uploaded object; hostile or oversize bytes are deleted."""
    media = load(ctx, media_id, pending=True)
    if (
        media is None
        or media.status != "pending"
        or media.uploader_kind != actor.kind
        or media.uploader_id != actor.id
    ):
        raise PluginError("No such pending upload.", "not_found", 404)
    limits = _site_limits(ctx, media.site_id)
    storage = ctx.storage()
    incoming = media.storage_key
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as local:
        try:
            with storage.open(incoming) as remote:
                copied = 0
                while chunk := remote.read(1024 * 1024):
                    copied += len(chunk)
                    if copied > limits["max_size"]:
                        raise media_too_large(limits["max_size"])
                    local.write(chunk)
            return ingest(ctx, media, local, media.name, limits)
        except PluginError:
            ctx.db_session.rollback()
            ctx.db_session.delete(ctx.db_session.merge(media))
            ctx.db_session.commit()
            raise
        finally:
            storage.delete(incoming)


def media_too_large(limit: int) -> PluginError:
    mb = limit // (1024 * 1024)
    return PluginError(f"Files may be at most {mb} MB here.", "media_too_large", 413)


def _size(fp: IO[bytes]) -> int:
    fp.seek(0, os.SEEK_END)
    size = fp.tell()
    fp.seek(0)
    return size


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def process_upload(ctx: PluginContext, media_id: str) -> None:
    """The background job of an image or video upload: clean it (an image in a bounded child
    process, a video with ffmpeg), store the result and its thumbnail/poster, mark the medium
    ready or failed, and tell the participants. Idempotent: a run after a finished one (its
    worker died before the queue heard of it) does nothing."""
    media = ctx.db_session.get(MediaFile, media_id)
    if media is None or media.status != "processing":
        return
    media.details = {**media.details, "started": True}  # an upload answer may wait for us
    ctx.db_session.commit()
    unprocessed = str(media.details.get("unprocessed") or "")
    storage = ctx.storage()
    try:
        raw = _copy_to_temp_from(ctx, unprocessed)
    except StorageError as exc:
        if exc.code != "not_found":
            raise  # the storage is down: the queue retries
        media.status, media.error = "failed", "The upload's bytes are gone."
        ctx.db_session.commit()
        announce(ctx, media)
        return
    try:
        if media.kind == "image":
            _finish_image(ctx, media, raw)
        else:
            _finish_video(ctx, media, raw)
    except PluginError as exc:
        media.status, media.error = "failed", exc.message[:300]
        media.details = {**media.details, "error_code": exc.code}
        ctx.logger.info("%s %s not processed: %s", media.kind, media_id, exc.code)
    else:
        media.status = "ready"
    finally:
        _unlink(raw)
    media.details = {k: v for k, v in media.details.items() if k not in ("unprocessed", "started")}
    ctx.db_session.commit()
    storage.delete(unprocessed)
    announce(ctx, media)


def _copy_to_temp_from(ctx: PluginContext, key: str) -> str:
    with (
        ctx.storage().open(key) as src,
        tempfile.NamedTemporaryFile(prefix="chinwag-media-", delete=False) as out,
    ):
        shutil.copyfileobj(src, out, 1024 * 1024)
    return out.name


def _finish_image(ctx: PluginContext, media: MediaFile, path: str) -> None:
    with open(path, "rb") as fp:
        data = fp.read()
    done = decode.process_image(data, media.content_type, _max_pixels(ctx), _memory_mb(ctx))
    storage = ctx.storage()
    media.size = storage.save(media.storage_key, io.BytesIO(done.data), media.content_type)
    media.thumbnail_key = f"media/{media.site_id}/{media.id}/thumbnail"
    storage.save(media.thumbnail_key, io.BytesIO(done.thumbnail), "image/webp")
    media.width, media.height = done.width, done.height


def _finish_video(ctx: PluginContext, media: MediaFile, path: str) -> None:
    timeout = int(ctx.settings.get("video_timeout_seconds", 60))
    demuxer = str(media.details.get("demuxer") or "")
    clean = path + ".clean"
    try:
        video.strip_metadata(path, clean, demuxer, media.content_type, timeout)
        facts = video.inspect(clean, demuxer, timeout)
        poster = decode.thumbnail(facts.poster, _memory_mb(ctx)) if facts.poster else None
        storage = ctx.storage()
        with open(clean, "rb") as fp:
            media.size = storage.save(media.storage_key, fp, media.content_type)
    finally:
        _unlink(clean)
    media.duration, media.width, media.height = facts.duration, facts.width, facts.height
    if poster:
        media.thumbnail_key = f"media/{media.site_id}/{media.id}/thumbnail"
        ctx.storage().save(media.thumbnail_key, io.BytesIO(poster), "image/webp")


def announce(ctx: PluginContext, media: MediaFile) -> None:
    """Push the medium's new state to whoever can see it."""
    payload = {
        "media_id": media.id,
        "media": media_json(ctx, media),
        "block": block_for(ctx, media),
    }
    if media.conversation_id is not None:
        ctx.emit(media.conversation_id, EVENT_UPDATED, payload)
    else:
        ctx.emit_to_visitor(media.visitor_id, EVENT_UPDATED, payload)


# -- privacy ----------------------------------------------------------------------------------


def visitor_media(ctx: PluginContext, visitor_id: int) -> list[MediaFile]:
    rows = ctx.db_session.execute(
        select(MediaFile).where(MediaFile.visitor_id == visitor_id).order_by(MediaFile.created_at)
    )
    return list(rows.scalars())


def conversation_media(ctx: PluginContext, conversation_ids: Sequence[int]) -> list[MediaFile]:
    """Files shared in these conversations (the retention job deletes them with the thread)."""
    rows = ctx.db_session.execute(
        select(MediaFile).where(MediaFile.conversation_id.in_(list(conversation_ids)))
    )
    return list(rows.scalars())


def delete_media(ctx: PluginContext, media: MediaFile) -> None:
    storage = ctx.storage()
    for key in (media.storage_key, media.thumbnail_key, (media.details or {}).get("unprocessed")):
        if key:
            storage.delete(key)
    ctx.db_session.delete(media)

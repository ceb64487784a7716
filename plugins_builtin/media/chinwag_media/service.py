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
import unicodedata
from typing import IO, Any

from chinwag_plugin_api import ActorRef, ConversationView, PluginContext, PluginError
from sqlalchemy import select

from chinwag_media import images, video
from chinwag_media.models import MediaFile
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
        "created_at": media.created_at.isoformat(),
    }
    if media.thumbnail_key:
        out["thumbnail_url"] = signed_url(ctx, media, "thumbnail")
    for key in ("width", "height", "duration", "error"):
        if getattr(media, key) is not None:
            out[key] = getattr(media, key)
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


def _owner(ctx: PluginContext, actor: ActorRef, conversation_id: int | None) -> tuple[int, int]:
    """(site_id, visitor_id) the upload belongs to; 404 unless the actor takes part."""
    if conversation_id is not None:
        conv: ConversationView | None = ctx.conversation(conversation_id)
        if conv is None or not ctx.is_participant(conversation_id, actor):
            raise PluginError("No such conversation.", "not_found", 404)
        return conv.site_id, conv.visitor.id
    if actor.kind != "visitor" or actor.site_id is None:
        raise PluginError("conversation_id is required.", "conversation_required", 400)
    return actor.site_id, actor.id


def _site_limits(ctx: PluginContext, site_id: int) -> dict[str, Any]:
    limits: dict[str, Any] = limits_for(ctx.settings, site_id)
    if not limits["enabled"]:
        raise PluginError("Attachments are turned off for this site.", "media_disabled", 403)
    return limits


def upload(
    ctx: PluginContext,
    actor: ActorRef,
    fp: IO[bytes],
    filename: str | None,
    conversation_id: int | None,
) -> MediaFile:
    """Check, process and store one upload; videos finish in the background."""
    site_id, visitor_id = _owner(ctx, actor, conversation_id)
    limits = _site_limits(ctx, site_id)
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
    """Sniff, check, clean and store the bytes of ``media``, then commit it."""
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
    work = None
    if found.kind == "image":
        max_pixels = int(ctx.settings.get("max_image_pixels", 50_000_000))
        done = ctx.run_blocking(images.process_image, fp, found.content_type, max_pixels)
        media.size = storage.save(media.storage_key, io.BytesIO(done.data), found.content_type)
        media.thumbnail_key = f"{base}/thumbnail"
        storage.save(media.thumbnail_key, io.BytesIO(done.thumbnail), "image/webp")
        media.width, media.height = done.width, done.height
    elif found.kind == "video":
        assert found.demuxer is not None
        timeout = int(ctx.settings.get("video_timeout_seconds", 60))
        raw = _copy_to_temp(fp)
        work = raw + ".clean"
        try:
            video.strip_metadata(raw, work, found.demuxer, found.content_type, timeout)
        except PluginError:
            _unlink(work)
            raise
        finally:
            _unlink(raw)
        with open(work, "rb") as clean:
            media.size = storage.save(media.storage_key, clean, found.content_type)
        media.status = "processing"
    else:
        fp.seek(0)
        storage.save(media.storage_key, fp, found.content_type)
    session = ctx.db_session
    session.add(media)
    session.commit()
    if work is not None and found.demuxer is not None:
        ctx.run_in_background(process_video, ctx, media.id, work, found.demuxer)
    return media


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


def _copy_to_temp(fp: IO[bytes]) -> str:
    fp.seek(0)
    with tempfile.NamedTemporaryFile(prefix="chinwag-media-", delete=False) as out:
        shutil.copyfileobj(fp, out, 1024 * 1024)
    fp.seek(0)
    return out.name


def process_video(ctx: PluginContext, media_id: str, path: str, demuxer: str) -> None:
    """Probe the video, store its poster, mark it ready (or failed) and tell the participants."""
    try:
        media = ctx.db_session.get(MediaFile, media_id)
        if media is None:
            return
        timeout = int(ctx.settings.get("video_timeout_seconds", 60))
        try:
            facts = video.inspect(path, demuxer, timeout)
            poster = ctx.run_blocking(_poster_thumbnail, facts.poster) if facts.poster else None
        except PluginError as exc:
            media.status, media.error = "failed", exc.message[:300]
            ctx.logger.info("video %s not processed: %s", media_id, exc.code)
        else:
            media.duration, media.width, media.height = facts.duration, facts.width, facts.height
            if poster:
                media.thumbnail_key = f"media/{media.site_id}/{media.id}/thumbnail"
                ctx.storage().save(media.thumbnail_key, io.BytesIO(poster), "image/webp")
            media.status = "ready"
        ctx.db_session.commit()
        announce(ctx, media)
    finally:
        os.unlink(path)


def _poster_thumbnail(png: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(png), formats=["PNG"]) as im:
        thumb: bytes = images.thumbnail_of(im)
    return thumb


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


def delete_media(ctx: PluginContext, media: MediaFile) -> None:
    storage = ctx.storage()
    for key in (media.storage_key, media.thumbnail_key):
        if key:
            storage.delete(key)
    ctx.db_session.delete(media)

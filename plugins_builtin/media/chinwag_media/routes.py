"""HTTP routes under ``/api/v1/plugins/chinwag-media`` (404 while the plugin is disabled).

- ``POST /uploads``: multipart ``file`` (+ optional ``conversation_id``) -> 201 {media, block}
- ``POST /uploads/direct`` then ``POST /uploads/<id>/complete``: large files straight to S3
- ``GET /limits``: what the caller may upload (size, types) for the widget's file picker
- ``GET /media/<id>``: a medium's state and fresh signed links (after a reload)
- ``GET /media/<id>/<original|thumbnail>``: the bytes, for a signed link or a participant
"""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import (
    ActorRef,
    PluginContext,
    PluginError,
    RoutesProvider,
    StorageError,
    current_context,
)
from flask import Blueprint, Response, jsonify, redirect, request, send_file
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import RequestEntityTooLarge

from chinwag_media import service
from chinwag_media.models import MediaFile
from chinwag_media.plugin import limits_for

#: multipart framing around the file: a request may exceed the file limit by this much
FORM_OVERHEAD = 64 * 1024


class UploadForm(Schema):
    """The form fields beside the file."""

    class Meta:
        unknown = RAISE

    conversation_id = fields.Integer(validate=validate.Range(min=1))


class DirectUploadIn(Schema):
    """A direct upload's announcement: what the browser is about to send to the bucket."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    size = fields.Integer(required=True, validate=validate.Range(min=1))
    content_type = fields.String(required=True, validate=validate.Length(max=100))
    conversation_id = fields.Integer(validate=validate.Range(min=1))


class LimitsQuery(Schema):
    class Meta:
        unknown = RAISE

    conversation_id = fields.Integer(validate=validate.Range(min=1))


class ServeQuery(Schema):
    class Meta:
        unknown = RAISE

    token = fields.String(validate=validate.Length(max=400))


def _ctx() -> PluginContext:
    return current_context()


def _actor(ctx: PluginContext) -> ActorRef:
    actor = ctx.request_actor()
    if actor is None:
        raise PluginError("Sign in or start a widget session first.", "auth_required", 401)
    return actor


def _load(schema: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = schema().load(data)
    except ValidationError as err:
        raise PluginError(
            f"The request is invalid: {err.normalized_messages()}", "validation_error", 400
        ) from None
    return loaded


def _largest_limit(ctx: PluginContext) -> int:
    settings = ctx.settings
    sizes = [int(settings.get("max_size_mb", 25))]
    sizes += [int(s.get("max_size_mb", 0)) for s in (settings.get("sites") or {}).values()]
    return max(sizes) * 1024 * 1024


def upload() -> Any:
    """Accept one file; see the module docstring for the contract."""
    ctx = _ctx()
    actor = _actor(ctx)
    # refuse oversize bodies before reading them (the per-site limit is checked once known)
    request.max_content_length = _largest_limit(ctx) + FORM_OVERHEAD
    try:
        files, form = request.files, request.form
    except RequestEntityTooLarge:
        raise service.media_too_large(_largest_limit(ctx)) from None
    body = _load(UploadForm, form.to_dict())
    file = files.get("file")
    if file is None or len(files) != 1:
        raise PluginError("Send exactly one file in the field 'file'.", "file_required", 400)
    media = service.upload(ctx, actor, file.stream, file.filename, body.get("conversation_id"))
    service.await_image(ctx, media)
    return jsonify(media=service.media_json(ctx, media), block=service.block_for(ctx, media)), 201


def direct_upload() -> Any:
    """Start an upload straight to S3: answers a presigned POST (``url`` and form ``fields``)
    limited to the announced type and the site's size limit."""
    ctx = _ctx()
    actor = _actor(ctx)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise PluginError("The body must be a JSON object.", "invalid_json", 400)
    body = _load(DirectUploadIn, payload)
    media, post = service.start_direct(
        ctx,
        actor,
        body["name"],
        body["size"],
        body["content_type"],
        body.get("conversation_id"),
    )
    return jsonify(media_id=media.id, url=post["url"], fields=post["fields"]), 201


def direct_complete(media_id: str) -> Any:
    """The browser has sent the file to the bucket: check it like any upload."""
    ctx = _ctx()
    media = service.finish_direct(ctx, _actor(ctx), media_id)
    service.await_image(ctx, media)
    return jsonify(media=service.media_json(ctx, media), block=service.block_for(ctx, media)), 201


def limits() -> Any:
    """The caller's effective limits: the widget filters its file picker with them."""
    ctx = _ctx()
    actor = _actor(ctx)
    query = _load(LimitsQuery, request.args.to_dict())
    if query.get("conversation_id"):
        conv = ctx.conversation(query["conversation_id"])
        if conv is None or not ctx.is_participant(conv.id, actor):
            raise PluginError("No such conversation.", "not_found", 404)
        site_id = conv.site_id
    elif actor.site_id is not None:
        site_id = actor.site_id
    else:
        raise PluginError("conversation_id is required.", "conversation_required", 400)
    found = limits_for(ctx.settings, site_id)
    return jsonify(
        enabled=found["enabled"], max_size=found["max_size"], allowed_types=found["allowed_types"]
    )


def _viewable(ctx: PluginContext, media_id: str, actor: ActorRef) -> MediaFile:
    media = service.load(ctx, media_id)
    if media is None or not service.may_view(ctx, media, actor):
        raise PluginError("No such media.", "not_found", 404)
    return media


def show(media_id: str) -> Any:
    """A medium's current state with fresh signed links."""
    ctx = _ctx()
    media = _viewable(ctx, media_id, _actor(ctx))
    return jsonify(media=service.media_json(ctx, media), block=service.block_for(ctx, media))


def serve(media_id: str, variant: str) -> Any:
    """The bytes. A signed link is enough on its own (``<img src>`` cannot send headers);
    without one the caller must be a participant."""
    ctx = _ctx()
    query = _load(ServeQuery, request.args.to_dict())
    if variant not in service.VARIANTS:
        raise PluginError("No such media.", "not_found", 404)
    if query.get("token"):
        if ctx.verify(query["token"]) != f"{media_id}/{variant}":
            raise PluginError("This link is invalid or has expired.", "link_expired", 403)
        media = service.load(ctx, media_id)
        if media is None:
            raise PluginError("No such media.", "not_found", 404)
    else:
        media = _viewable(ctx, media_id, _actor(ctx))
    key = media.storage_key if variant == "original" else media.thumbnail_key
    if not key:
        raise PluginError("This media has no thumbnail yet.", "not_found", 404)
    content_type = media.content_type if variant == "original" else "image/webp"
    inline = variant == "thumbnail" or media.kind in ("image", "video")
    ttl = int(ctx.settings.get("url_ttl_seconds", 600))
    storage = ctx.storage()
    name = media.name if variant == "original" else f"{media.id}-thumbnail.webp"
    if ctx.settings.get("direct_downloads"):
        url = storage.signed_url(key, ttl, name, inline)
        if url:
            return redirect(url, 302)
    try:
        fp = storage.open(key)
    except StorageError as exc:
        if exc.code == "not_found":
            raise PluginError("No such media.", "not_found", 404) from None
        raise
    response: Response = send_file(
        fp,
        mimetype=content_type,
        as_attachment=not inline,
        download_name=name,
        conditional=False,
        etag=f"{media.id}-{variant}",
        max_age=ttl,
    )
    # a storage stream does not know its length; the record does, so players can seek (Range)
    size = media.size if variant == "original" else None
    if size is not None:
        response.content_length = size
    response.make_conditional(request, accept_ranges=size is not None, complete_length=size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.cache_control.private = True
    response.cache_control.public = False
    return response


class MediaRoutes(RoutesProvider):
    """Mounts the media routes."""

    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_media", __name__)
        bp.add_url_rule("/uploads", "upload", upload, methods=["POST"])
        bp.add_url_rule("/uploads/direct", "direct_upload", direct_upload, methods=["POST"])
        bp.add_url_rule(
            "/uploads/<media_id>/complete", "direct_complete", direct_complete, methods=["POST"]
        )
        bp.add_url_rule("/limits", "limits", limits)
        bp.add_url_rule("/media/<media_id>", "show", show)
        bp.add_url_rule("/media/<media_id>/<variant>", "serve", serve)
        return bp

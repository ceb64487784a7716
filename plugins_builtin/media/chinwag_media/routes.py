"""HTTP routes under ``/api/v1/plugins/chinwag-media`` (404 while the plugin is disabled).

- ``POST /uploads``: multipart ``file`` (+ optional ``conversation_id``) -> 201 {media, block}
- ``POST /uploads/direct`` then ``POST /uploads/<id>/complete``: large files straight to S3
- ``GET /limits``: what the caller may upload (size, types) for the widget's file picker
- ``GET /media/<id>``: a medium's state and fresh signed links (after a reload)
- ``GET /media/<id>/<original|thumbnail>``: the bytes, for a signed link or a participant
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chinwag_plugin_api import (
    ActorRef,
    PluginContext,
    PluginError,
    RoutesProvider,
    RowId,
    StorageError,
    current_context,
    endpoint,
)
from flask import Blueprint, Response, redirect, request, send_file
from marshmallow import RAISE, Schema, fields, validate, validates_schema
from werkzeug.exceptions import RequestEntityTooLarge

from chinwag_media import service
from chinwag_media.models import MediaFile
from chinwag_media.plugin import limits_for

#: multipart framing around the file: a request may exceed the file limit by this much
FORM_OVERHEAD = 64 * 1024

#: who may call the routes that need a caller (admins are agents too)
CALLERS = ("visitor", "agent")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _ForConversation(_Strict):
    """``conversation_id``: optional for a visitor (their site is known), required for agents."""

    conversation_id = RowId()

    @validates_schema
    def conversation_for_agents(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """An agent names the conversation (``400 conversation_required``): a rule on the
        caller that OpenAPI cannot state, named in the document's ``x-cross-field-rules``."""
        actor = current_context().request_actor()
        if data.get("conversation_id") is None and actor is not None:
            service.visitor_site(actor)


class UploadForm(_ForConversation):
    """An upload: the file and, optionally, the conversation it is for."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class DirectUploadIn(_ForConversation):
    """A direct upload's announcement: what the browser is about to send to the bucket."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    size = fields.Integer(required=True, validate=validate.Range(min=1))
    content_type = fields.String(required=True, validate=validate.Length(max=100))


class LimitsQuery(_ForConversation):
    """Whose limits: a conversation's site, else the visitor's own."""


class ServeQuery(_Strict):
    token = fields.String(validate=validate.Length(max=400))


class MediaOut(Schema):
    """A medium (``service.media_json``): the optional fields are left out when unknown."""

    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("image", "video", "file")))
    name = fields.String(required=True)
    size = fields.Integer(required=True, allow_none=True)
    content_type = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(("pending", "processing", "ready", "failed"))
    )
    url = fields.String(required=True, allow_none=True)
    thumbnail_url = fields.String(allow_none=True)
    width = fields.Integer()
    height = fields.Integer()
    duration = fields.Float()
    error = fields.String()
    error_code = fields.String()
    conversation_id = fields.Integer(required=True, allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class MediaBlockOut(Schema):
    """A medium and its message block (``image``, ``video`` or ``file``), ready for
    ``message.send``'s ``blocks``."""

    media = fields.Nested(MediaOut, required=True)
    block = fields.Dict(keys=fields.String(), required=True)


class DirectUploadOut(Schema):
    """A presigned POST: the browser posts ``fields`` plus ``file`` to ``url``."""

    media_id = fields.String(required=True)
    url = fields.String(required=True)
    form_fields = fields.Dict(
        keys=fields.String(), values=fields.String(), required=True, data_key="fields"
    )


class LimitsOut(Schema):
    """What the caller may upload here."""

    enabled = fields.Boolean(required=True)
    max_size = fields.Integer(required=True)
    allowed_types = fields.List(fields.String(), required=True)


def _ctx() -> PluginContext:
    return current_context()


def _actor(ctx: PluginContext) -> ActorRef:
    actor = ctx.request_actor()
    if actor is None:
        raise PluginError("Sign in or start a widget session first.", "auth_required", 401)
    return actor


def _authorize(_roles: Sequence[str]) -> ActorRef:
    """Any visitor or agent; nobody signed in is ``401 auth_required`` (as documented)."""
    return _actor(_ctx())


def _largest_limit(ctx: PluginContext) -> int:
    settings = ctx.settings
    sizes = [int(settings.get("max_size_mb", 25))]
    sizes += [int(s.get("max_size_mb", 0)) for s in (settings.get("sites") or {}).values()]
    return max(sizes) * 1024 * 1024


def _read_upload() -> dict[str, Any]:
    """The upload's form: oversize bodies are refused before they are read (the per-site
    limit is checked once the site is known), then exactly one file in ``file``."""
    ctx = _ctx()
    request.max_content_length = _largest_limit(ctx) + FORM_OVERHEAD
    try:
        files, form = request.files, request.form
    except RequestEntityTooLarge:
        raise service.media_too_large(_largest_limit(ctx)) from None
    if files.get("file") is None or len(files) != 1:
        raise PluginError("Send exactly one file in the field 'file'.", "file_required", 400)
    return {**form.to_dict(), "file": files["file"]}


def upload(body: dict[str, Any]) -> Any:
    """Upload one file (multipart ``file``, optional ``conversation_id``)."""
    ctx = _ctx()
    file = body["file"]
    media = service.upload(
        ctx, _actor(ctx), file.stream, file.filename, body.get("conversation_id")
    )
    service.await_image(ctx, media)
    return _with_block(ctx, media)


def _with_block(ctx: PluginContext, media: MediaFile) -> dict[str, Any]:
    return {"media": service.media_json(ctx, media), "block": service.block_for(ctx, media)}


def direct_upload(body: dict[str, Any]) -> Any:
    """Start an upload straight to S3: a presigned POST limited to the announced type and size.

    Answers ``url`` and form ``fields``, limited to the announced type and the site's size limit.
    """
    ctx = _ctx()
    media, post = service.start_direct(
        ctx,
        _actor(ctx),
        body["name"],
        body["size"],
        body["content_type"],
        body.get("conversation_id"),
    )
    return {"media_id": media.id, "url": post["url"], "form_fields": post["fields"]}


def direct_complete(media_id: str) -> Any:
    """Finish a direct upload: the file in the bucket is checked like any upload."""
    ctx = _ctx()
    media = service.finish_direct(ctx, _actor(ctx), media_id)
    service.await_image(ctx, media)
    return _with_block(ctx, media)


def limits(query: dict[str, Any]) -> Any:
    """The caller's upload limits (size, types): the widget filters its file picker with them."""
    ctx = _ctx()
    actor = _actor(ctx)
    if query.get("conversation_id"):
        conv = ctx.conversation(query["conversation_id"])
        if conv is None or not ctx.is_participant(conv.id, actor):
            raise PluginError("No such conversation.", "not_found", 404)
        site_id = conv.site_id
    else:
        site_id = service.visitor_site(actor)
    found = limits_for(ctx.settings, site_id)
    return {
        "enabled": found["enabled"],
        "max_size": found["max_size"],
        "allowed_types": found["allowed_types"],
    }


def _viewable(ctx: PluginContext, media_id: str, actor: ActorRef) -> MediaFile:
    media = service.load(ctx, media_id)
    if media is None or not service.may_view(ctx, media, actor):
        raise PluginError("No such media.", "not_found", 404)
    return media


def show(media_id: str) -> Any:
    """A medium's current state with fresh signed links (after a reload)."""
    ctx = _ctx()
    return _with_block(ctx, _viewable(ctx, media_id, _actor(ctx)))


def serve(media_id: str, variant: str, query: dict[str, Any]) -> Any:
    """The bytes of a medium (``original`` or ``thumbnail``), for a signed link or a participant.

    A signed link is enough on its own (``<img src>`` cannot send headers); without one the
    caller must be a participant."""
    ctx = _ctx()
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


#: the codes each route answers with beyond its declaration's (the OpenAPI document lists them)
CALLER = {"auth_required": 401}
OWNER = {**CALLER, "conversation_required": 400, "not_found": 404, "media_disabled": 403}
CHECKS = {
    "media_too_large": 413,
    "media_type_not_allowed": 415,
    "media_invalid": 415,
    "media_timeout": 422,
}
UPLOAD = {**OWNER, **CHECKS, "file_required": 400, "media_rate_limited": 429}
UPLOAD_ERRORS = {**UPLOAD, "media_unavailable": 503}
DIRECT_ERRORS = {**UPLOAD, "direct_unavailable": 409}
COMPLETE_ERRORS = {**CALLER, **CHECKS, "not_found": 404, "media_unavailable": 503}
SHOW_ERRORS = {**CALLER, "not_found": 404}
SERVE_ERRORS = {"not_found": 404, "link_expired": 403}


class MediaRoutes(RoutesProvider):
    """Mounts the media routes."""

    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_media", __name__)
        endpoint(
            bp, "/uploads", methods=["POST"], body=UploadForm, form=True, read_body=_read_upload,
            response=MediaBlockOut, status=201, roles=CALLERS, authorize=_authorize,
            errors=UPLOAD_ERRORS,
        )(upload)  # fmt: skip
        endpoint(
            bp, "/uploads/direct", methods=["POST"], body=DirectUploadIn,
            response=DirectUploadOut, status=201, roles=CALLERS, authorize=_authorize,
            errors=DIRECT_ERRORS,
        )(direct_upload)  # fmt: skip
        endpoint(
            bp, "/uploads/<media_id>/complete", methods=["POST"], response=MediaBlockOut,
            status=201, roles=CALLERS, authorize=_authorize, errors=COMPLETE_ERRORS,
        )(direct_complete)  # fmt: skip
        endpoint(
            bp, "/limits", query=LimitsQuery, response=LimitsOut, roles=CALLERS,
            authorize=_authorize, errors=OWNER,
        )(limits)  # fmt: skip
        endpoint(
            bp, "/media/<media_id>", response=MediaBlockOut, roles=CALLERS, authorize=_authorize,
            errors=SHOW_ERRORS,
        )(show)  # fmt: skip
        endpoint(
            bp, "/media/<media_id>/<variant>", query=ServeQuery, roles=None, errors=SERVE_ERRORS
        )(serve)
        return bp

"""The widget's fixed vocabulary of message blocks, registered as ``chinwag.blocks`` entry points.

Block data comes from the server only; these schemas make sure nothing else reaches the widget.
:class:`VisitorBlocks` (a ``chinwag.inbound`` entry point of the core) keeps visitors to text and
their own uploads: buttons, cards and links come from agents and bots.
"""

from __future__ import annotations

from typing import Any, ClassVar

from chinwag_plugin_api import BlockType, InboundProcessor, MessageDraft, PluginContext, Refused
from marshmallow import Schema, ValidationError, fields, validate


def _url(**kwargs: Any) -> fields.Url:
    """A link in a block: http(s) or a path on Chinwag itself; never ``javascript:``."""
    return fields.Url(relative=True, schemes={"http", "https"}, require_tld=False, **kwargs)


class _Block(Schema):
    type = fields.String(required=True)


class _TextSchema(_Block):
    text = fields.String(required=True, validate=validate.Length(max=8000))


class _ImageSchema(_Block):
    url = _url(required=True)
    thumbnail_url = _url()
    alt = fields.String(load_default="", validate=validate.Length(max=500))
    width = fields.Integer(validate=validate.Range(min=1))
    height = fields.Integer(validate=validate.Range(min=1))
    media_id = fields.String()
    status = fields.String(validate=validate.OneOf(["processing", "ready", "failed"]))


class _VideoSchema(_Block):
    url = _url(required=True)
    poster_url = _url()
    # WebVTT captions (WCAG 1.2.2), shown by the widget as a <track kind="captions">
    captions_url = _url()
    captions_lang = fields.String(validate=validate.Length(min=2, max=35))
    duration = fields.Float()
    width = fields.Integer()
    height = fields.Integer()
    media_id = fields.String()
    status = fields.String(validate=validate.OneOf(["processing", "ready", "failed"]))


class _FileSchema(_Block):
    url = _url(required=True)
    name = fields.String(required=True, validate=validate.Length(max=255))
    size = fields.Integer(required=True, validate=validate.Range(min=0))
    content_type = fields.String(required=True)
    media_id = fields.String()


class _SuggestionsSchema(_Block):
    items = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )


class _Button(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=80))
    value = fields.String(validate=validate.Length(max=200))
    url = _url()


class _ButtonsSchema(_Block):
    buttons = fields.List(
        fields.Nested(_Button), required=True, validate=validate.Length(min=1, max=10)
    )


class _RatingSchema(_Block):
    id = fields.String(required=True)
    prompt = fields.String(required=True, validate=validate.Length(max=300))
    scale = fields.Integer(load_default=5, validate=validate.Range(min=2, max=10))


class _CardSchema(_Block):
    title = fields.String(required=True, validate=validate.Length(max=200))
    text = fields.String(validate=validate.Length(max=2000))
    image_url = _url()
    url = _url()
    buttons = fields.List(fields.Nested(_Button), validate=validate.Length(max=5))


class TextBlock(BlockType):
    name: ClassVar[str] = "text"
    schema: ClassVar[type[Schema]] = _TextSchema


class ImageBlock(BlockType):
    name: ClassVar[str] = "image"
    schema: ClassVar[type[Schema]] = _ImageSchema


class VideoBlock(BlockType):
    name: ClassVar[str] = "video"
    schema: ClassVar[type[Schema]] = _VideoSchema


class FileBlock(BlockType):
    name: ClassVar[str] = "file"
    schema: ClassVar[type[Schema]] = _FileSchema


class SuggestionsBlock(BlockType):
    name: ClassVar[str] = "suggestions"
    schema: ClassVar[type[Schema]] = _SuggestionsSchema


class ButtonsBlock(BlockType):
    name: ClassVar[str] = "buttons"
    schema: ClassVar[type[Schema]] = _ButtonsSchema


class RatingBlock(BlockType):
    name: ClassVar[str] = "rating"
    schema: ClassVar[type[Schema]] = _RatingSchema


class CardBlock(BlockType):
    name: ClassVar[str] = "card"
    schema: ClassVar[type[Schema]] = _CardSchema


class _PickSchema(_Block):
    message_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=2**31 - 1),  # a database id
    )


class PickBlock(BlockType):
    """On a visitor's message: its text is a chip or button of message ``message_id`` that the
    visitor picked (the widget adds it), so plugins count real picks, not typed look-alikes.
    Shows nothing."""

    name: ClassVar[str] = "pick"
    schema: ClassVar[type[Schema]] = _PickSchema


def validate_blocks(
    blocks: list[dict[str, Any]], types: dict[str, type[Schema]]
) -> list[dict[str, Any]]:
    """Load each block with its type's schema; an unknown type or field is a ValidationError."""
    out: list[dict[str, Any]] = []
    errors: dict[int, Any] = {}
    for i, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        schema = types.get(kind) if isinstance(kind, str) else None
        if schema is None:
            errors[i] = {"type": [f"Unknown block type {kind!r}."]}
            continue
        try:
            out.append(schema().load(block))
        except ValidationError as err:
            errors[i] = err.normalized_messages()
    if errors:
        raise ValidationError({"blocks": errors})
    return out


#: what a visitor's message may carry: text, media blocks naming the upload behind them, and
#: the chip or button it picked
VISITOR_BLOCKS = frozenset({"text", "image", "video", "file", "pick"})
MEDIA_BLOCKS = frozenset({"image", "video", "file"})


def _is_link(field: str) -> bool:
    return field == "url" or field.endswith("_url")


class VisitorBlocks(InboundProcessor):
    """A visitor may send text and media blocks backed by an upload (``media_id``) whose links
    stay on Chinwag; a ``card``, ``buttons`` or a file linking anywhere (an "invoice.pdf" that is
    an ``.exe`` elsewhere) is refused. The media plugin then checks that the upload is the
    visitor's own and rewrites the block from its record. A ``pick`` is checked by
    :class:`chinwag.actions.picks.VisitorPicks`. Runs first: the core's hooks lead."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        for block in draft.blocks:
            kind = block.get("type")
            if kind not in VISITOR_BLOCKS:
                raise Refused(f"Visitors cannot send {kind} blocks.", "block_not_allowed", 403)
            if kind in MEDIA_BLOCKS:
                # every link of the block (url, thumbnail_url, poster_url, captions_url, and any
                # link field a block type gains later): a captions file elsewhere is refused too
                links = [str(v) for k, v in block.items() if v and _is_link(k)]
                off_site = any(not u.startswith("/") or u.startswith("//") for u in links)
                if not block.get("media_id") or off_site:
                    raise Refused(
                        "An attachment must be one of your uploads.", "media_not_allowed", 403
                    )
        return draft

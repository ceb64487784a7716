"""Message processors: a block may reference an upload only from the same conversation (or,
for a visitor, their own upload not yet sent anywhere). The block's links, name and size are
rewritten from the stored record, so a sender cannot dress an upload up as something else.

A visitor's media block must name an upload (``media_id``). An upload sent in a visitor's
first message is bound to the conversation that message opens, in the same transaction; it
cannot be sent again anywhere else.
"""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import (
    InboundProcessor,
    MessageDraft,
    OutboundProcessor,
    PluginContext,
    Refused,
)
from sqlalchemy import event, update
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm.attributes import set_committed_value

from chinwag_media import service
from chinwag_media.models import MediaFile

MEDIA_BLOCKS = ("image", "video", "file")


def check_blocks(ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
    visitor = draft.author_kind == "visitor"
    if visitor and any(
        b.get("type") in MEDIA_BLOCKS and not b.get("media_id") for b in draft.blocks
    ):
        raise Refused("An attachment must be one of your uploads.", "media_not_allowed", 403)
    if not any(isinstance(b, dict) and b.get("media_id") for b in draft.blocks):
        return draft
    blocks: list[dict[str, Any]] = []
    opening: list[MediaFile] = []
    for block in draft.blocks:
        media_id = block.get("media_id") if block.get("type") in MEDIA_BLOCKS else None
        if not media_id:
            blocks.append(block)
            continue
        media = service.load(ctx, str(media_id))
        if media is None or draft.visitor_id is None or media.visitor_id != draft.visitor_id:
            raise Refused(
                "This attachment does not belong to this conversation.", "media_not_allowed"
            )
        if media.conversation_id is not None and media.conversation_id != draft.conversation_id:
            raise Refused("This attachment belongs to another conversation.", "media_not_allowed")
        if media.conversation_id is None and (media.details or {}).get("sent"):
            # sent in a first message whose conversation could not be bound
            raise Refused("This attachment belongs to another conversation.", "media_not_allowed")
        if media.status == "failed":
            raise Refused("This attachment could not be processed.", "media_failed")
        if media.conversation_id is None:
            if draft.conversation_id is not None:
                media.conversation_id = draft.conversation_id  # stored with the message
            else:
                media.details = {**(media.details or {}), "sent": True}
                opening.append(media)
        blocks.append(service.block_for(ctx, media, alt=str(block.get("alt") or "")))
    draft.blocks = blocks
    if opening and draft.visitor_id is not None:
        _bind_to_opened_conversation(ctx, opening, draft.visitor_id)
    return draft


def _bind_to_opened_conversation(
    ctx: PluginContext, media: list[MediaFile], visitor_id: int
) -> None:
    """A first message's conversation does not exist yet when processors run; it is created in
    the transaction that stores the message (and our change to ``media``). Once a flush has
    inserted it, the uploads take its id, committed with the message."""
    session: Any = ctx.db_session
    real: Session = session() if isinstance(session, scoped_session) else session

    pending = list(media)

    def bind(flushed: Session, _context: Any) -> None:
        if not pending:
            return
        for obj in list(flushed.new):
            if (
                getattr(obj, "__tablename__", None) == "conversations"
                and getattr(obj, "visitor_id", None) == visitor_id
                and getattr(obj, "id", None) is not None
            ):
                # changes to objects are not flushed from inside a flush: write the rows
                # in the flush's own transaction and tell the objects
                ids = [m.id for m in pending]
                flushed.connection().execute(
                    update(MediaFile).where(MediaFile.id.in_(ids)).values(conversation_id=obj.id)
                )
                for m in pending:
                    set_committed_value(m, "conversation_id", obj.id)
                pending.clear()
                return

    def forget(_session: Session) -> None:
        pending.clear()  # the message was not stored: nothing to bind

    # listeners stay on this one session (removing one while it runs is not allowed)
    event.listen(real, "after_flush", bind)
    event.listen(real, "after_rollback", forget)


class MediaInbound(InboundProcessor):
    """Visitors' messages."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        return check_blocks(ctx, draft)


class MediaOutbound(OutboundProcessor):
    """Agents' and bots' messages."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        return check_blocks(ctx, draft)

"""Message processors: a block may reference an upload only from the same conversation (or,
for a visitor, their own upload not yet sent anywhere). The block's links, name and size are
rewritten from the stored record, so a sender cannot dress an upload up as something else.

A visitor's media block must name an upload (``media_id``). An upload sent in a visitor's
first message is bound to the conversation that message opens, in the same transaction
(``ctx.in_message_transaction``); it cannot be sent again anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chinwag_plugin_api import (
    InboundProcessor,
    MessageDraft,
    MessageView,
    OutboundProcessor,
    PluginContext,
    Refused,
)
from sqlalchemy import update

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
    unbound: list[str] = []
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
            # marked "sent" by earlier versions (a first message not bound to its conversation)
            raise Refused("This attachment belongs to another conversation.", "media_not_allowed")
        if media.status == "failed":
            raise Refused("This attachment could not be processed.", "media_failed")
        if media.conversation_id is None:
            unbound.append(media.id)
        blocks.append(service.block_for(ctx, media, alt=str(block.get("alt") or "")))
    draft.blocks = blocks
    if unbound:
        ctx.in_message_transaction(_binder(ctx, unbound))
    return draft


def _binder(ctx: PluginContext, media_ids: list[str]) -> Callable[[MessageView], None]:
    """Bind uploads to the message's conversation in the transaction that stores the message
    (also a first message's, whose conversation does not exist while processors run). Only
    still-unbound uploads: of two messages sent at once with the same upload, one binds it."""

    def bind(message: MessageView) -> None:
        ctx.db_session.execute(
            update(MediaFile)
            .where(MediaFile.id.in_(media_ids), MediaFile.conversation_id.is_(None))
            .values(conversation_id=message.conversation_id)
        )

    return bind


class MediaInbound(InboundProcessor):
    """Visitors' messages."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        return check_blocks(ctx, draft)


class MediaOutbound(OutboundProcessor):
    """Agents' and bots' messages."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        return check_blocks(ctx, draft)

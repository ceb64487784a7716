"""Message processors: a block may reference an upload only from the same conversation (or,
for a visitor, their own upload not yet sent anywhere). The block's links, name and size are
rewritten from the stored record, so a sender cannot dress an upload up as something else."""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import (
    InboundProcessor,
    MessageDraft,
    OutboundProcessor,
    PluginContext,
    Refused,
)

from chinwag_media import service

MEDIA_BLOCKS = ("image", "video", "file")


def check_blocks(ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
    if not any(isinstance(b, dict) and b.get("media_id") for b in draft.blocks):
        return draft
    blocks: list[dict[str, Any]] = []
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
        if media.status == "failed":
            raise Refused("This attachment could not be processed.", "media_failed")
        if media.conversation_id is None and draft.conversation_id is not None:
            media.conversation_id = draft.conversation_id  # stored with the message
        blocks.append(service.block_for(ctx, media, alt=str(block.get("alt") or "")))
    draft.blocks = blocks
    return draft


class MediaInbound(InboundProcessor):
    """Visitors' messages."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        return check_blocks(ctx, draft)


class MediaOutbound(OutboundProcessor):
    """Agents' and bots' messages."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        return check_blocks(ctx, draft)

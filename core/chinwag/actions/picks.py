"""The core's check of a visitor's ``pick`` block (chinwag.blocks.PickBlock): a pick names a
bot's or agent's message of this conversation with a chip or button whose text is the message's
text, so no one claims a pick of something they were never offered. A ``chinwag.inbound``
processor of the core, beside ``VisitorBlocks`` (it reads the messages, which the blocks' floor
may not)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from chinwag_plugin_api import InboundProcessor, MessageDraft, PluginContext, Refused

from chinwag.extensions import db
from chinwag.models import Message


def choices(blocks: Iterable[Mapping[str, Any]]) -> set[str]:
    """The texts a visitor can send by picking a chip or button of these blocks."""
    out: set[str] = set()
    for b in blocks:
        if b.get("type") == "suggestions":
            out |= {str(i) for i in b.get("items") or ()}
        if b.get("type") in ("buttons", "card"):
            out |= {
                str(x.get("value") or x.get("label"))
                for x in b.get("buttons") or ()
                if not x.get("url")
            }
    return out


class VisitorPicks(InboundProcessor):
    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        for block in draft.blocks:
            if block.get("type") != "pick":
                continue
            shown = db.session.get(Message, block.get("message_id"))
            if (
                shown is None
                or draft.conversation_id is None
                or shown.conversation_id != draft.conversation_id
                or shown.author_kind == "visitor"
                or draft.text.strip() not in choices(shown.blocks or [])
            ):
                raise Refused(
                    "A pick must name a chip or button of this conversation with this text.",
                    "pick_not_allowed",
                    400,
                )
        return draft

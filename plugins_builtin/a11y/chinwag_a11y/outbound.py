"""What agents and bots send, checked as the visitor will meet it: an image without a
description asks for one; links named by their address or by "click here", button labels that
say nothing, ALL-CAPS and emoji-only text, Markdown images without a description and skipped
heading levels (a bot quoting a knowledge-base article), and English that is hard to read get
advice. Canned replies are checked here too: they reach the visitor as an agent's message.

Advisory and quick, so delivery never waits: only a message with something to say about it
looks up its site (for ``require_alt_text`` and the locale of the reading-level advice). The
advice travels with the message as its ``a11y`` annotation (stored with it; the agent who sent
it reads it in the acknowledgement); :mod:`chinwag_a11y.inbox` shows it as a chip under the
message in the inbox. A site that requires descriptions refuses the image instead, with a
message that says what to add.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import MessageDraft, OutboundProcessor, PluginContext, Refused

from chinwag_a11y.content import content_issues, reading_ease
from chinwag_a11y.plugin import policy

ALT_MISSING = (
    "Add a description (alt text) to the image, so people who cannot see it know what it shows."
)


def text_advice(
    text: str, blocks: Sequence[Mapping[str, Any]], locale: str | None = None
) -> list[dict[str, str]]:
    """The accessibility advice on a text and its blocks (empty when all is well)."""
    listed = [dict(b) for b in blocks]
    out = [
        {"code": "missing_alt", "criterion": "1.1.1", "message": ALT_MISSING}
        for block in listed
        if block.get("type") == "image" and not str(block.get("alt") or "").strip()
    ]
    out += [
        {"code": i.code, "criterion": i.criterion, "message": i.message}
        for i in content_issues(text, listed, locale)
    ]
    return out


def advice(draft: MessageDraft, locale: str | None = None) -> list[dict[str, str]]:
    """The accessibility advice on one outgoing message (empty when all is well)."""
    return text_advice(draft.text, draft.blocks, locale)


def _site_id(ctx: PluginContext, draft: MessageDraft) -> int | None:
    if draft.conversation_id is None:
        return None
    conversation = ctx.conversation(draft.conversation_id)
    return conversation.site_id if conversation else None


class AltTextOutbound(OutboundProcessor):
    """Annotates agents' and bots' messages with accessibility advice."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        found = advice(draft)
        ease = reading_ease(draft.text)
        hard = ease is not None and ease < 50
        if not found and not hard:
            return draft
        site_id = _site_id(ctx, draft)
        if hard and site_id is not None:
            locale = str(ctx.site_settings(site_id).get("locale") or "en")
            found = advice(draft, locale)
        missing_alt = any(f["code"] == "missing_alt" for f in found)
        if missing_alt and policy(ctx.settings, site_id, "require_alt_text"):
            raise Refused(ALT_MISSING, code="alt_text_required")
        if found:
            draft.annotations["a11y"] = found
        return draft

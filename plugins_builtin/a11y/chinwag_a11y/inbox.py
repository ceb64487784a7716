"""The inbox chip: a message of an agent or a bot that failed a content check shows
"Accessibility: …" under it in the agents' inbox, with the advice as its detail.

A listener of ``message.stored`` (after commit, off the socket, so delivery never waits): it
reads the ``a11y`` annotation :mod:`chinwag_a11y.outbound` stored with the message and shows it
with ``ctx.annotate`` (plugin API 1.2). Visitors never see it; it goes when the plugin is off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import PluginContext
from chinwag_plugin_api.events import Event, EventListener, MessageStored

LABEL_MAX, DETAIL_MAX = 80, 500
KEY = "a11y"
#: the chip's words for the most frequent problems (the rest: "N suggestions")
SHORT = {
    "missing_alt": "image without a description",
    "vague_link": "link that says nothing",
    "url_as_link_text": "address as link text",
    "all_caps": "text in capitals",
    "emoji_only": "emoji only",
    "heading_skipped": "heading level skipped",
    "reading_level": "hard to read",
}


def chip(advice: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """The chip's label and detail for a message's advice."""
    if len(advice) == 1:
        code = str(advice[0].get("code", ""))
        label = f"Accessibility: {SHORT.get(code, 'one suggestion')}"
    else:
        label = f"Accessibility: {len(advice)} suggestions"
    detail = " ".join(str(a.get("message", "")) for a in advice)
    if len(detail) > DETAIL_MAX:
        detail = detail[: DETAIL_MAX - 1] + "…"
    return label[:LABEL_MAX], detail


class ContentChip(EventListener):
    """Shows the advice on an agent's or bot's message as a chip under it in the inbox."""

    events = (MessageStored.name,)

    def handle(self, ctx: PluginContext, event: Event) -> None:
        if not isinstance(event, MessageStored):
            return
        message = event.message
        advice = message.annotations.get(KEY)
        if message.author_kind == "visitor" or not advice or not isinstance(advice, list):
            return
        label, detail = chip(advice)
        try:
            ctx.annotate(
                event.conversation_id,
                KEY,
                label=label,
                message_id=message.id,
                tone="warning",
                detail=detail,
            )
        except LookupError as exc:  # erased meanwhile: nothing to show it on
            ctx.logger.info("no chip for message %s: %s", message.id, exc)

"""The message processors: a visitor's message (``chinwag.inbound``) and, when a site asks, an
agent's or a bot's (``chinwag.outbound``) have their personal data masked before they are
stored (``mode: storage``, the default): the database, every agent's copy, exports and the
visitor's own copy hold only the mask. With ``mode: agents`` a visitor's message is stored as
written for the visitor and masked only in the agents' copy (``chinwag.agent_view``, which fails
closed: docs/redaction.md). A visitor's message that had something hidden gets a text block
saying so (the widget renders text blocks under the message); agents see what was hidden,
counted by kind, in the message's ``annotations["redact"]``.

The processors never write to the database and keep no state: the core runs them once per
stored message (never for a re-sent ``client_msg_id``). If the storage-mode processor raises,
the core stores the message as sent (counted in the plugin's health): a failing redactor never
loses a message. If the agents' view hook raises, agents get the message withheld.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import (
    AgentView,
    InboundProcessor,
    MessageDraft,
    OutboundProcessor,
    PluginContext,
)

from chinwag_redact import detect, mask
from chinwag_redact.plugin import AGENTS, merged, site_policy

log = logging.getLogger(__name__)


def _site_id(ctx: PluginContext, draft: MessageDraft, settings: Mapping[str, Any]) -> int | None:
    """The site of the draft, looked up only when some site has an override (one read)."""
    if not settings.get("sites") or draft.visitor_id is None:
        return None
    visitor = ctx.visitor(draft.visitor_id)
    return visitor.site_id if visitor is not None else None


def redact_text(text: str, options: Mapping[str, Any]) -> tuple[str, list[detect.Found]]:
    """``text`` masked by one site's options, and what was found in it."""
    found = detect.find_all(text, site_policy(options))
    return (mask.apply(text, found), found) if found else (text, found)


def redact_draft(draft: MessageDraft, options: Mapping[str, Any], notice: bool) -> MessageDraft:
    """A new draft (the one given is left as it was, so a failure half-way changes nothing):
    text and text blocks masked, the agents' annotation set, the visitor's notice added."""
    text, found = redact_text(draft.text, options)
    blocks: list[dict[str, Any]] = []
    for block in draft.blocks:
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            masked, more = redact_text(block["text"], options)
            found.extend(more)
            block = {**block, "text": masked}
        blocks.append(block)
    if not found:
        return draft
    hidden = mask.counts(found)
    wording = str(options.get("notice") or "")
    if notice and wording:
        what = ", ".join(sorted(hidden))
        blocks.append({"type": "text", "text": wording.replace("{what}", what)})
    annotations = {**draft.annotations, "redact": {"hidden": hidden}}
    return dataclasses.replace(draft, text=text, blocks=blocks, annotations=annotations)


def notice_only(draft: MessageDraft, options: Mapping[str, Any]) -> MessageDraft:
    """Agents' view mode: the visitor's message kept as written, with the notice saying what
    agents will not see (the masking itself is :class:`RedactAgentsView`'s)."""
    masked = redact_draft(draft, options, notice=True)
    if masked is draft:
        return draft
    extra = masked.blocks[len(draft.blocks) :]  # the notice, when the site has one
    return dataclasses.replace(draft, blocks=[*draft.blocks, *extra])


class RedactVisitorMessages(InboundProcessor):
    """Masks a visitor's message before it is stored, and tells the visitor so; in agents' view
    mode (``mode: agents``) it only adds the notice, and :class:`RedactAgentsView` masks."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        options = merged(ctx.settings, _site_id(ctx, draft, ctx.settings))
        if options.get("mode") == AGENTS:
            return notice_only(draft, options)
        return redact_draft(draft, options, notice=True)


class RedactAgentsView(AgentView):
    """Agents' view mode: the agents' copy of a visitor's message masked (what was hidden in
    its ``annotations``), the visitor's own copy as written. If this raises, the core withholds
    the message from agents: it never reaches them unmasked."""

    def agent_copy(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft | None:
        options = merged(ctx.settings, _site_id(ctx, draft, ctx.settings))
        if options.get("mode") != AGENTS:
            return None
        masked = redact_draft(draft, options, notice=False)
        return None if masked is draft else masked


class RedactAgentMessages(OutboundProcessor):
    """Masks an agent's or a bot's message when the site asks for it (``agent_messages``)."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        options = merged(ctx.settings, _site_id(ctx, draft, ctx.settings))
        if not options.get("agent_messages"):
            return draft
        return redact_draft(draft, options, notice=False)

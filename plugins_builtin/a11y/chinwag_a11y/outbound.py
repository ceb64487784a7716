"""What agents send: an image without a description asks for one; links named by their address
or by "click here" get a warning. Advisory and instant (no I/O), so delivery never waits.

The advice travels with the message as its ``a11y`` annotation (stored with it and shown to
agents); a site that requires descriptions refuses the image instead, with a message that says
what to add.
"""

from __future__ import annotations

from chinwag_plugin_api import MessageDraft, OutboundProcessor, PluginContext, Refused

from chinwag_a11y.content import link_issues
from chinwag_a11y.plugin import policy

ALT_MISSING = (
    "Add a description (alt text) to the image, so people who cannot see it know what it shows."
)


def advice(draft: MessageDraft) -> list[dict[str, str]]:
    """The accessibility advice on one outgoing message (empty when all is well)."""
    out = [
        {"code": "missing_alt", "criterion": "1.1.1", "message": ALT_MISSING}
        for block in draft.blocks
        if block.get("type") == "image" and not str(block.get("alt") or "").strip()
    ]
    out += [
        {"code": i.code, "criterion": i.criterion, "message": i.message}
        for i in link_issues(draft.text)
    ]
    return out


class AltTextOutbound(OutboundProcessor):
    """Annotates agents' messages with accessibility advice (bots' too: they are authored)."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        found = advice(draft)
        if not found:
            return draft
        if any(f["code"] == "missing_alt" for f in found) and draft.conversation_id is not None:
            conversation = ctx.conversation(draft.conversation_id)
            site_id = conversation.site_id if conversation else None
            if policy(ctx.settings, site_id, "require_alt_text"):
                raise Refused(ALT_MISSING, code="alt_text_required")
        draft.annotations["a11y"] = found
        return draft

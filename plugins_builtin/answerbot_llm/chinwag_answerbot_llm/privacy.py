"""Privacy requests cover the bot's one table: which of the visitor's questions got a hand-off
note (ids only: the note itself is the core's, erased with the conversation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef
from sqlalchemy import delete, select

from chinwag_answerbot_llm.models import NoteMark


class LlmAnswerbotPrivacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        marks = ctx.db_session.execute(
            select(NoteMark).where(NoteMark.visitor_id == visitor.id).order_by(NoteMark.message_id)
        ).scalars()
        return {
            "handoff_notes": [
                {"conversation_id": m.conversation_id, "message_id": m.message_id} for m in marks
            ]
        }

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        # the core commits the erasure after every handler ran
        ctx.db_session.execute(delete(NoteMark).where(NoteMark.visitor_id == visitor.id))

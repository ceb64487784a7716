"""Privacy requests cover the bot's data: the questions it took and the emails left with it;
the retention job's deleted conversations take theirs with them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef
from sqlalchemy import delete, select

from chinwag_answerbot.models import Followup, Turn


class AnswerbotPrivacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        turns = ctx.db_session.execute(
            select(Turn).where(Turn.visitor_id == visitor.id).order_by(Turn.id)
        ).scalars()
        follow = ctx.db_session.execute(
            select(Followup).where(Followup.visitor_id == visitor.id).order_by(Followup.id)
        ).scalars()
        return {
            "questions": [
                {
                    "conversation_id": t.conversation_id,
                    "question": t.question,
                    "articles": [a.get("title") for a in t.articles],
                    "outcome": t.outcome,
                    "at": t.created_at.isoformat(),
                }
                for t in turns
            ],
            "email_followups": [
                {"conversation_id": f.conversation_id, "email": f.email} for f in follow
            ],
        }

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        # the core commits the erasure after every handler ran
        ctx.db_session.execute(delete(Turn).where(Turn.visitor_id == visitor.id))
        ctx.db_session.execute(delete(Followup).where(Followup.visitor_id == visitor.id))

    def erase_conversations(self, ctx: PluginContext, conversation_ids: Sequence[int]) -> None:
        """Retention: the questions and follow-up addresses of conversations about to go."""
        ids = list(conversation_ids)
        for model in (Turn, Followup):
            ctx.db_session.execute(delete(model).where(model.conversation_id.in_(ids)))

"""Privacy requests cover the plugin's per-visitor rows: their questions and the chips they
were offered. Suggestions themselves are the site's, not the visitor's. The retention job's
deleted conversations take their questions, chips and pending answers with them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef
from sqlalchemy import delete, select

from chinwag_suggest.models import PendingAnswer, Question, Suggestion, View


class SuggestPrivacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        s = ctx.db_session
        questions = s.execute(
            select(Question).where(Question.visitor_id == visitor.id).order_by(Question.id)
        ).scalars()
        views = s.execute(
            select(View, Suggestion.text)
            .join(Suggestion, Suggestion.id == View.suggestion_id)
            .where(View.visitor_id == visitor.id)
            .order_by(View.id)
        ).all()
        return {
            "questions": [
                {"conversation_id": q.conversation_id, "text": q.text} for q in questions
            ],
            "suggestions_shown": [
                {"conversation_id": v.conversation_id, "text": text, "clicked": v.clicked}
                for v, text in views
            ],
        }

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        ctx.db_session.execute(delete(Question).where(Question.visitor_id == visitor.id))
        ctx.db_session.execute(delete(View).where(View.visitor_id == visitor.id))

    def erase_conversations(self, ctx: PluginContext, conversation_ids: Sequence[int]) -> None:
        """Retention: what was asked and offered in conversations about to go."""
        ids = list(conversation_ids)
        for model in (Question, View, PendingAnswer):
            ctx.db_session.execute(delete(model).where(model.conversation_id.in_(ids)))

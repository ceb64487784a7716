"""Privacy requests cover the plugin's per-visitor rows: their questions and the chips they
were offered. Suggestions themselves are the site's, not the visitor's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef
from sqlalchemy import delete, select

from chinwag_suggest.models import Question, Suggestion, View


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

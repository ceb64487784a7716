"""Privacy requests cover the plugin's data: a visitor's ratings and survey answers; the
retention job's deleted conversations take theirs with them (the rows name conversations by id,
with no foreign key, so nothing goes by cascade)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef
from sqlalchemy import delete, select

from chinwag_feedback.models import Answer, AnswerLink, Rating, Survey, Thread


class FeedbackPrivacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        session = ctx.db_session
        ratings = session.execute(
            select(Rating).where(Rating.visitor_id == visitor.id).order_by(Rating.id)
        ).scalars()
        surveys = session.execute(
            select(Survey).where(Survey.visitor_id == visitor.id).order_by(Survey.id)
        ).scalars()
        return {
            "ratings": [
                {
                    "conversation_id": r.conversation_id,
                    "message_id": r.message_id,
                    "value": r.value,
                    "reason": r.reason,
                    "comment": r.comment,
                    "created_at": r.created_at.isoformat(),
                }
                for r in ratings
            ],
            "surveys": [
                {
                    "conversation_id": s.conversation_id,
                    "scale": s.scale,
                    "asked_at": s.asked_at.isoformat(),
                    "score": s.score,
                    "comment": s.comment,
                    "answered_at": s.answered_at.isoformat() if s.answered_at else None,
                }
                for s in surveys
            ],
        }

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        # the core commits the erasure once every plugin's handler has run
        session = ctx.db_session
        answers = select(Answer.message_id).where(Answer.visitor_id == visitor.id)
        session.execute(delete(AnswerLink).where(AnswerLink.message_id.in_(answers)))
        for model in (Rating, Survey, Answer, Thread):
            session.execute(delete(model).where(model.visitor_id == visitor.id))

    def erase_conversations(self, ctx: PluginContext, conversation_ids: Sequence[int]) -> None:
        """Retention: the ratings, surveys, answers and threads of conversations about to go
        (the core commits once every handler ran)."""
        session = ctx.db_session
        ids = list(conversation_ids)
        answers = select(Answer.message_id).where(Answer.conversation_id.in_(ids))
        session.execute(delete(AnswerLink).where(AnswerLink.message_id.in_(answers)))
        for model in (Rating, Survey, Answer, Thread):
            session.execute(delete(model).where(model.conversation_id.in_(ids)))

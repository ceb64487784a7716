"""The bot's tables: one row per question it answered (and what came of it), and the email
follow-ups visitors asked for outside office hours."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chinwag_plugin_api import Model
from sqlalchemy import JSON, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

#: what came of a turn: the bot answered and waits for "did that help?", it was not sure,
#: the visitor said it helped, or the conversation went to people
OUTCOMES = ("answered", "unsure", "resolved", "handed_off")


def _now() -> datetime:
    return datetime.now(UTC)


class Turn(Model):
    """One visitor question the bot took, with the articles it offered."""

    __tablename__ = "answerbot_turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, index=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    message_id: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(500))
    #: [{"article_id", "title", "url", "score"}] of the articles offered, best first
    articles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Followup(Model):
    """An email address a visitor left outside office hours, to be answered by people."""

    __tablename__ = "answerbot_followups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, index=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

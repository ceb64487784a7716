"""The plugin's tables. Rates are computed from the rows (one source of truth), never kept as
counters: a chip's click-through is clicked views over views, its resolution rate resolved
clicked views over clicked views."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from chinwag_plugin_api import Model
from sqlalchemy import Boolean, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


def _now() -> datetime:
    return datetime.now(UTC)


def question_key(text: str) -> str:
    """What makes two questions the same: case, spacing and closing punctuation aside."""
    return re.sub(r"\s+", " ", text).strip().rstrip("?!.\u3002\uff1f\uff01 ").lower()[:200]


class Suggestion(Model):
    """A question the site may offer as a chip; admins pin, hide and edit it."""

    __tablename__ = "suggest_items"
    __table_args__ = (UniqueConstraint("site_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, index=True)
    key: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(String(200))
    #: ``learned``, ``segment`` or ``followup``: where it first came from
    source: Mapped[str] = mapped_column(String(16))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class View(Model):
    """One chip offered in one conversation, and whether the visitor picked it."""

    __tablename__ = "suggest_views"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, index=True)
    suggestion_id: Mapped[int] = mapped_column(Integer, index=True)
    #: None for a page chip shown before the visitor's conversation began
    conversation_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    #: the id of the bot message that carried the chip (only a later visitor message picks
    #: it); 0 for a page chip (the widget reports it shown and picked)
    offered_in: Mapped[int] = mapped_column(Integer)
    clicked: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class PendingAnswer(Model):
    """A bot answer whose question the listener has not seen yet (the bus may deliver a bot's
    reply before the visitor message it answers); the question's arrival completes it."""

    __tablename__ = "suggest_pending"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    message_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Question(Model):
    """A visitor question in a conversation, in order; learned from once the bot answered it
    and the conversation was resolved without people (or the answer got a thumbs up)."""

    __tablename__ = "suggest_questions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, index=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    message_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200), index=True)
    text: Mapped[str] = mapped_column(String(200))
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    handed_off: Mapped[bool] = mapped_column(Boolean, default=False)
    thumbs_up: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

"""The plugin's tables. They join Chinwag's metadata (one naming convention, autogenerate sees them).

Ids of core rows (conversation, message, site, visitor, agent) are plain integers, not foreign
keys: the plugin owns its rows and removes them itself (privacy erasure), and a core table that
gains a cascade never reaches into a plugin's tables. The indexes serve the report queries
(``reports.py``); ``tests/test_indexes.py`` proves each with EXPLAIN.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag_plugin_api import Model
from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


def now() -> datetime:
    return datetime.now(UTC)


class Answer(Model):
    """A bot's or agent's message that may be rated, learnt from ``message.stored`` (or,
    rated before the listener ran, read with ``ctx.recent_messages`` by ``service._learn_rated``).

    Reports cannot query core messages, so the plugin keeps what a rating is checked against:
    whose conversation the answer is in, who wrote it, and a short excerpt for the report.
    """

    __tablename__ = "feedback_answers"
    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    site_id: Mapped[int] = mapped_column(Integer)
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    author_kind: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    excerpt: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Thread(Model):
    """What the plugin knows of a conversation: who answers it, its locale, when it went quiet."""

    __tablename__ = "feedback_threads"
    conversation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(Integer)
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    locale: Mapped[str | None] = mapped_column(String(35), nullable=True)
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_author_kind: Mapped[str] = mapped_column(String(16), default="visitor")
    survey_due: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_feedback_threads_due", "survey_due", "last_message_at"),)


class Rating(Model):
    """One visitor's rating of one answer (thumbs, then a reason and a comment). One row per
    answer: changing it updates the row, so it is never counted twice."""

    __tablename__ = "feedback_ratings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    site_id: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the conversation's team when it was rated (``ConversationView.team_id``)
    team_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author_kind: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str | None] = mapped_column(String(35), nullable=True)
    value: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (
        UniqueConstraint("message_id", name="uq_feedback_ratings_message_id"),
        Index("ix_feedback_ratings_site_created", "site_id", "created_at"),
        Index("ix_feedback_ratings_agent_created", "agent_id", "created_at"),
        # the list (``GET /api/v1/feedback``) of one site, newest first by id
        Index("ix_feedback_ratings_site_id_id", "site_id", "id"),
        # a period over every site (no site nor agent filter)
        Index("ix_feedback_ratings_created", "created_at"),
    )


class Survey(Model):
    """A satisfaction survey asked in one conversation, and its answer once given. Asked at most
    once per conversation (unique); response rate = answered / asked."""

    __tablename__ = "feedback_surveys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Integer)
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    site_id: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the conversation's team when the survey was asked
    team_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    locale: Mapped[str | None] = mapped_column(String(35), nullable=True)
    scale: Mapped[str] = mapped_column(String(8))
    #: how it was asked: ``on_close`` / ``after_idle`` in the widget, ``email_on_close`` /
    #: ``email_after_idle`` by mail (``TRIGGERS``)
    trigger: Mapped[str] = mapped_column(String(16))
    #: a mailed survey's address: None for a verified identity's, False while a typed one's
    #: confirmation waits, True once the visitor confirmed it (mail_survey.py)
    address_confirmed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the answer counted as satisfied (4-5 stars or faces, thumbs up, NPS 9-10)
    satisfied: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    #: NPS only: promoter, passive or detractor
    nps_class: Mapped[str | None] = mapped_column(String(10), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        UniqueConstraint("conversation_id", name="uq_feedback_surveys_conversation_id"),
        Index("ix_feedback_surveys_site_asked", "site_id", "asked_at"),
        Index("ix_feedback_surveys_agent_asked", "agent_id", "asked_at"),
        Index("ix_feedback_surveys_site_id_id", "site_id", "id"),
        Index("ix_feedback_surveys_asked", "asked_at"),
    )


class AnswerLink(Model):
    """A knowledge-base article a bot answer links (one of its ``card`` blocks: the answer
    bot's articles), so the report can give a thumbs-down rate per article."""

    __tablename__ = "feedback_answer_links"
    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(String(500), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    site_id: Mapped[int] = mapped_column(Integer)

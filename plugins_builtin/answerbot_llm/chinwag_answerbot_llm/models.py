"""The bot's one table: which visitor messages it posted a hand-off note for.

A note and its mark are written in one transaction (the mark is added to the job's session
before ``ctx.post_note`` commits), so a job re-run after its worker died between the note and
the answer finds the mark and does not post the note twice."""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag_plugin_api import Model
from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import Mapped, mapped_column


def _now() -> datetime:
    return datetime.now(UTC)


class NoteMark(Model):
    """The hand-off note this bot posted about the visitor message ``message_id``."""

    __tablename__ = "answerbot_llm_notes"
    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    visitor_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

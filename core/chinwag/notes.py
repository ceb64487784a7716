"""Internal notes: lines of a conversation's thread that only agents see.

Notes live in their own table, not in ``messages``: the widget's protocol, the visitor's sync and
message fan-out read only ``messages``, so a note cannot reach a visitor by construction (it is
sent only on ``/agent`` as ``note.new``). An agent writes one from the inbox composer ("Note"),
a plugin with ``ctx.post_note``. The visitor's privacy export lists the notes of their
conversations (they are data about them); erasing the visitor deletes them with the
conversations.

A plugin may give a note a ``key`` (plugin API 1.7): at most one note is stored per (plugin,
conversation, key), enforced by a unique index, so two workers posting the same keyed note at
once store one (the loser of the race reads the winner's).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chinwag_plugin_api import Model
from sqlalchemy import DateTime, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from chinwag.extensions import db
from chinwag.models import text_search_index, utcnow
from chinwag.timefmt import iso_utc


class InternalNote(Model):
    """A note by an agent (``author_kind`` ``agent``, ``author_user_id``) or a plugin
    (``plugin``, ``author_plugin``); ``key`` is a plugin's idempotency key (None: no key; NULLs
    are distinct in the unique index, so unkeyed notes and agents' notes are never constrained)."""

    __tablename__ = "internal_notes"
    __table_args__ = (
        text_search_index("ix_notes_fts"),
        Index("uq_internal_notes_key", "author_plugin", "conversation_id", "key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    author_kind: Mapped[str] = mapped_column(String(16))
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    author_plugin: Mapped[str | None] = mapped_column(String(200), nullable=True)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def note_dict(row: InternalNote) -> dict[str, Any]:
    """What the inbox API, ``note.new`` and the privacy export carry for one note."""
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "author_kind": row.author_kind,
        "author_name": row.author_name,
        "author_user_id": row.author_user_id,
        "author_plugin": row.author_plugin,
        "text": row.text,
        "created_at": iso_utc(row.created_at),
    }


def notes_of(conversation_id: int, enabled: set[str]) -> list[dict[str, Any]]:
    """A conversation's notes, oldest first; a disabled plugin's notes are left out."""
    rows = db.session.execute(
        select(InternalNote)
        .where(InternalNote.conversation_id == conversation_id)
        .order_by(InternalNote.id)
    ).scalars()
    return [note_dict(r) for r in rows if r.author_plugin is None or r.author_plugin in enabled]

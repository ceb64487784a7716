"""Plugin annotations of conversations and messages, as agents see them in the inbox.

A row per (conversation, message, plugin, key): ``ctx.annotate`` replaces it, and
``ctx.clear_annotation`` deletes it (:mod:`chinwag.inbox_surface`). A conversation-wide
annotation has ``message_id`` 0 (not NULL), so the uniqueness holds on SQLite and PostgreSQL
alike. Rows of a disabled plugin stay stored and are filtered out when read, so enabling the
plugin again brings them back. Visitors never see them; privacy exports include them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chinwag_plugin_api import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from chinwag.extensions import db
from chinwag.models import utcnow
from chinwag.timefmt import iso_utc

#: ``message_id`` of an annotation about the whole conversation
WHOLE_CONVERSATION = 0


class ConversationAnnotation(Model):
    """One plugin's labelled chip on a conversation or one of its messages."""

    __tablename__ = "conversation_annotations"
    __table_args__ = (UniqueConstraint("conversation_id", "message_id", "plugin", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(Integer, default=WHOLE_CONVERSATION)
    plugin: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(80))
    tone: Mapped[str] = mapped_column(String(16), default="neutral")
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def annotation_dict(row: ConversationAnnotation) -> dict[str, Any]:
    """What the inbox API and ``annotation.update`` carry for one annotation."""
    return {
        "plugin": row.plugin,
        "key": row.key,
        "label": row.label,
        "tone": row.tone,
        "detail": row.detail,
        "message_id": row.message_id or None,
        "updated_at": iso_utc(row.updated_at),
    }


def annotations_of(
    conversation_ids: Iterable[int], enabled: set[str], *, messages: bool = True
) -> dict[int, list[dict[str, Any]]]:
    """The annotations of enabled plugins per conversation (message ones too unless told not),
    in a stable order: conversation-wide first, then by message, plugin and key."""
    ids = list(conversation_ids)
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids or not enabled:
        return out
    stmt = select(ConversationAnnotation).where(
        ConversationAnnotation.conversation_id.in_(ids),
        ConversationAnnotation.plugin.in_(sorted(enabled)),
    )
    if not messages:
        stmt = stmt.where(ConversationAnnotation.message_id == WHOLE_CONVERSATION)
    stmt = stmt.order_by(
        ConversationAnnotation.message_id, ConversationAnnotation.plugin, ConversationAnnotation.key
    )
    for row in db.session.execute(stmt).scalars():
        out[row.conversation_id].append(annotation_dict(row))
    return out

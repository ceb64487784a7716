"""Conversation labels: short tags agents put on conversations to sort and find them
(``billing``, ``bug``). One row per (conversation, label); lower-case, at most 40 characters."""

from __future__ import annotations

from chinwag_plugin_api import Model
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column


class ConversationLabel(Model):
    __tablename__ = "conversation_labels"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

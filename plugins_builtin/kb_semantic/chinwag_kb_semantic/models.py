"""One embedding per published article, deleted with the article (a cascading foreign key)."""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag_plugin_api import Model
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Vector(Model):
    """The embedding of an article's text: ``DIM`` float32 values, unit length."""

    __tablename__ = "kb_semantic_vectors"
    article_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    embedded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""The knowledge base's tables: articles, the sites each is shown on, every saved revision,
the PostgreSQL search documents, and the vocabulary used to correct typos.

Core rows (sites, users) are referenced by id only, as the media plugin does: no foreign keys
into the core's tables, so the plugin's branch of migrations stands alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chinwag_plugin_api import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

STATUSES = ("draft", "published")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Article(Model):
    """One article. ``version`` counts its saved revisions; ``slug`` is its URL segment."""

    __tablename__ = "kb_articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArticleSite(Model):
    """An article is shown on the sites listed here and on no other."""

    __tablename__ = "kb_article_sites"
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class Revision(Model):
    """An article as it was saved: every save adds one (the history the admin shows)."""

    __tablename__ = "kb_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    sites: Mapped[list[int]] = mapped_column(JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SearchDocument(Model):
    """PostgreSQL's search document of an article: a weighted ``tsvector`` built with the text
    search configuration of the article's language (``config``), GIN-indexed. The table exists
    on SQLite too (so one schema holds) but stays empty there: SQLite uses the FTS5 table
    ``kb_fts`` that the migration creates."""

    __tablename__ = "kb_search"
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    config: Mapped[str] = mapped_column(String(32), index=True)
    document: Mapped[Any] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))

    __table_args__ = (Index("ix_kb_search_document", "document", postgresql_using="gin"),)


class Term(Model):
    """A word of some article (folded, unstemmed): where a misspelt query word finds its
    correction. Words are only added; a word whose articles are gone costs one row."""

    __tablename__ = "kb_terms"
    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, index=True)

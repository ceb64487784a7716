"""Keeping the full-text index in step with the articles, on both databases.

- SQLite: the FTS5 table ``kb_fts`` (rowid = article id), ranked with ``bm25`` weighting the
  title highest, then tags, summary and body.
- PostgreSQL: ``kb_search.document``, a ``tsvector`` built with the text-search configuration
  of the article's language (weights A title and tags, B summary, D body), GIN-indexed. The
  text is accent-folded first (as queries are), so "securite" finds "Sécurité" without the
  ``unaccent`` extension, which a plugin cannot count on.

Every article is indexed whatever its status; queries filter on status and sites, so
publishing or moving an article needs no second index.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chinwag_kb.models import Article, Term
from chinwag_kb.text import fold, plain, words

#: the PostgreSQL text-search configuration of each language; others use ``simple``
PG_CONFIGS = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "sv": "swedish",
    "da": "danish",
    "no": "norwegian",
    "fi": "finnish",
    "ru": "russian",
    "ar": "arabic",
}


def pg_config(locale: str | None) -> str:
    """``fr-CA`` -> ``french``; unknown languages -> ``simple`` (no stemming, no stop words)."""
    language = (locale or "").split("-")[0].split("_")[0].lower()
    return PG_CONFIGS.get(language, "simple")


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def index_article(session: Session, article: Article) -> None:
    """(Re)index one article and learn its words for typo correction. Flushes, never commits."""
    index_articles(session, [article])


def index_articles(session: Session, articles: Sequence[Article]) -> None:
    """(Re)index ``articles`` and learn their words, in a handful of statements whatever their
    number (one ``executemany`` per statement, one vocabulary pass): an import of thousands
    costs milliseconds per article, not a round of queries each. Flushes, never commits."""
    if not articles:
        return
    session.flush()
    rows = [
        {
            "id": a.id,
            "title": a.title,
            "summary": a.summary or "",
            "tags": " ".join(a.tags or []),
            "body": plain(a.body or ""),
            "cfg": pg_config(a.locale),
        }
        for a in articles
    ]
    if dialect(session) == "postgresql":
        session.execute(
            text(
                "INSERT INTO kb_search (article_id, config, document) VALUES (:id, CAST(:cfg AS varchar), "
                "setweight(to_tsvector(CAST(CAST(:cfg AS varchar) AS regconfig), :title), 'A') || "
                "setweight(to_tsvector(CAST(CAST(:cfg AS varchar) AS regconfig), :tags), 'A') || "
                "setweight(to_tsvector(CAST(CAST(:cfg AS varchar) AS regconfig), :summary), 'B') || "
                "setweight(to_tsvector(CAST(CAST(:cfg AS varchar) AS regconfig), :body), 'D')) "
                "ON CONFLICT (article_id) DO UPDATE SET config = EXCLUDED.config, "
                "document = EXCLUDED.document"
            ),
            [
                {**r, "title": fold(r["title"]), "tags": fold(r["tags"]),
                 "summary": fold(r["summary"]), "body": fold(r["body"])}
                for r in rows
            ],
        )  # fmt: skip
    else:
        session.execute(
            text("DELETE FROM kb_fts WHERE rowid = :id"), [{"id": r["id"]} for r in rows]
        )
        session.execute(
            text(
                "INSERT INTO kb_fts (rowid, title, summary, tags, body) "
                "VALUES (:id, :title, :summary, :tags, :body)"
            ),
            [{k: r[k] for k in ("id", "title", "summary", "tags", "body")} for r in rows],
        )
    learn_terms(
        session, " ".join(f"{r['title']} {r['tags']} {r['summary']} {r['body']}" for r in rows)
    )


def unindex_article(session: Session, article_id: int) -> None:
    """Drop an article from the index (PostgreSQL's row goes with the article by cascade)."""
    if dialect(session) == "sqlite":
        session.execute(text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": article_id})


def learn_terms(session: Session, content: str) -> None:
    """Add the words of ``content`` (3 to 40 letters) to the vocabulary, once each."""
    found = {w for w in words(content) if 3 <= len(w) <= 40 and not w.isdigit()}
    if not found:
        return
    ordered = sorted(found)
    known: set[str] = set()
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        known.update(session.execute(select(Term.term).where(Term.term.in_(chunk))).scalars())
    rows = [{"term": w, "size": len(w)} for w in ordered if w not in known]
    if not rows:
        return
    insert = postgresql.insert if dialect(session) == "postgresql" else sqlite.insert
    for start in range(0, len(rows), 500):
        stmt = insert(Term).values(rows[start : start + 500]).on_conflict_do_nothing()
        session.execute(stmt)

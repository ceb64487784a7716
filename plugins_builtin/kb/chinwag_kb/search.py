"""Ranked search over a site's published articles: the API other plugins call.

    from chinwag_kb import search

    hits = search(ctx, site_id, "how do I reset my password", locale="en", limit=3)
    best = hits[0] if hits and hits[0].score >= 0.5 else None

How a query runs:

1. Its words are folded (case, accents) and stop words dropped (:func:`chinwag_kb.text.query_terms`).
2. The database's full-text engine finds candidates with any of the words (the last one also as
   a prefix, so a half-typed word matches while the visitor types): FTS5 ``bm25`` on SQLite,
   ``ts_rank_cd`` over the GIN-indexed ``tsvector`` on PostgreSQL, with the text-search
   configuration of the requested language (or of every known language when none is given).
3. Short queries (three words or fewer) that find fewer than ``limit`` articles are retried with
   each unknown word replaced by the nearest word of the articles' vocabulary (edit distance 1,
   or 2 for words of 6 letters and more): "pasword" finds "password". A word that starts a word
   of the vocabulary is no typo and stays: "log" finds "login", never "long".
4. Each candidate gets a score in 0..1 that means the same on both databases: how many of the
   query's words the article holds (45 %), how many its title, tags or summary hold (35 %), and
   the engine's rank relative to the best candidate (20 %); a typo-corrected hit counts 0.8 of it.
   The best passage is the paragraph of the body holding the most query words.

With ``locale``, articles in that language (``fr`` also matches ``fr-CA``) are searched first and
the others only when none matches. Only published articles shown on ``site_id`` are found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote

from chinwag_plugin_api import PluginContext
from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from chinwag_kb import extensions
from chinwag_kb.hybrid import fuse
from chinwag_kb.index import PG_CONFIGS, dialect, pg_config
from chinwag_kb.models import Article, ArticleSite, Term
from chinwag_kb.text import best_passage, edit_distance, query_terms, stem, stems, words

MAX_QUERY = 500
#: config names are formatted into SQL: only these (constants) ever are
KNOWN_CONFIGS = frozenset([*PG_CONFIGS.values(), "simple"])
MAX_LIMIT = 50
SHORT_QUERY = 3
TYPO_PENALTY = 0.8
#: how deep each ranking is read before fusing them
FUSE_DEPTH = 20


@dataclass(frozen=True)
class Hit:
    """One article found by :func:`search`.

    :param article_id: the article's id.
    :param title: its title.
    :param url: its public page (shareable; absolute, built on ``CHINWAG_PUBLIC_URL``).
    :param summary: its summary (may be empty).
    :param snippet: the passage of its body that best matches the query (plain text).
    :param score: 0..1, comparable across queries and databases (see the module's docstring).
    :param slug: its URL segment.
    :param locale: its language.
    """

    article_id: int
    title: str
    url: str
    summary: str
    snippet: str
    score: float
    slug: str = ""
    locale: str = "en"


#: where an article's public page lives (the route ``article_page`` of chinwag_kb.routes)
ARTICLE_PATH = "/api/v1/kb/sites/{site_id}/articles/{slug}"


def article_url(ctx: PluginContext, site_id: int, slug: str) -> str:
    """The article's public page. ``ctx.url_for`` builds only the calling plugin's routes, and
    other plugins (the answer bot) call :func:`search` with their own context: for them the URL
    is built from the public URL (``CHINWAG_PUBLIC_URL``, the base ``url_for`` documents) and
    the route's path."""
    try:
        return ctx.url_for("article_page", site_id=site_id, slug=slug)
    except ValueError:
        base = str(current_app.config.get("CHINWAG_PUBLIC_URL") or "").rstrip("/")
        return base + ARTICLE_PATH.format(site_id=site_id, slug=quote(slug, safe=""))


def search(
    ctx: PluginContext,
    site_id: int,
    query: str,
    *,
    locale: str | None = None,
    limit: int = 5,
) -> list[Hit]:
    """The published articles of ``site_id`` that best answer ``query``, best first (at most
    ``limit``, 1 to 50). An empty or wordless query finds nothing; never raises on odd input.

    With a search extension enabled for the site (chinwag-kb-semantic), its ranking is fused
    with the full-text one (:func:`chinwag_kb.hybrid.fuse`)."""
    query = (query or "")[:MAX_QUERY]
    terms = query_terms(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    if not terms:
        return []
    extra = extensions.enabled(ctx, site_id)
    if not extra:
        return _full_text(ctx, site_id, terms, locale, limit)
    depth = max(limit, FUSE_DEPTH)
    full = _full_text(ctx, site_id, terms, locale, depth)
    others: list[list[tuple[int, float]]] = []
    for ext in extra:
        try:
            others.append(ext.rank(ctx, site_id, query, locale=locale, limit=depth))
        except Exception:
            ctx.logger.exception("search extension %s failed; full text only", ext.distribution)
    if not others:
        return full[:limit]
    fused: list[Hit] = fuse(full, others, limit, lambda ids: _hits_for(ctx, site_id, ids, terms))
    return fused


def _full_text(
    ctx: PluginContext, site_id: int, terms: list[str], locale: str | None, limit: int
) -> list[Hit]:
    """The full-text search of the module's docstring."""
    session = ctx.db_session
    language = (locale or "").split("-")[0].split("_")[0].lower() or None
    ranked = _candidates(session, site_id, terms, language, limit)
    if language and not ranked:
        ranked = _candidates(session, site_id, terms, None, limit)
    corrected_ids: set[int] = set()
    fixed = terms
    if len(terms) <= SHORT_QUERY and len(ranked) < limit:
        fixed = correct(session, terms)
        if fixed != terms:
            extra = _candidates(session, site_id, fixed, language, limit) or (
                _candidates(session, site_id, fixed, None, limit) if language else []
            )
            known = {aid for aid, _ in ranked}
            for aid, rank in extra:
                if aid not in known:
                    ranked.append((aid, rank))
                    corrected_ids.add(aid)
    if not ranked:
        return []
    return _score(ctx, site_id, ranked, terms, fixed, corrected_ids, limit)


def _candidates(
    session: Session, site_id: int, terms: Sequence[str], language: str | None, limit: int
) -> list[tuple[int, float]]:
    """(article id, engine rank — higher is better) of up to ``4 * limit`` matching articles:
    those holding every word first, then — when they are too few — those holding any. Asking
    for every word first keeps the engine's ranking work small on a large knowledge base
    (a word like "order" is in thousands of articles; all of a question's words in few)."""
    want = max(limit * 4, 20)
    found = _matching(session, site_id, terms, language, want, every=True)
    if len(found) < want and len(terms) > 1:
        seen = {aid for aid, _ in found}
        found += [
            c
            for c in _matching(session, site_id, terms, language, want, every=False)
            if c[0] not in seen
        ][: want - len(found)]
    return found


def _matching(
    session: Session,
    site_id: int,
    terms: Sequence[str],
    language: str | None,
    want: int,
    every: bool,
) -> list[tuple[int, float]]:
    params: dict[str, object] = {"site": site_id, "n": want}
    locale_sql = ""
    if language:
        locale_sql = " AND (a.locale = :lang OR a.locale LIKE :lang_prefix)"
        params.update(lang=language, lang_prefix=f"{language}-%")
    if dialect(session) == "postgresql":
        op = " & " if every else " | "
        tq = op.join(t.replace("'", "") for t in terms[:-1])
        last = terms[-1].replace("'", "")
        tq = f"{tq}{op}{last}:*" if tq else f"{last}:*"
        configs = [pg_config(language)] if language else _configs_in_use(session)
        params["tq"] = tq
        query_sql = "(" + " || ".join(f"to_tsquery('{c}', :tq)" for c in configs) + ")"
        # only constants are formatted in (config names from PG_CONFIGS); user text is bound.
        # ts_rank, not ts_rank_cd: half the cost when a word is in thousands of articles, for
        # one held-out question less in the top three (docs/kb-eval.md)
        sql = (
            f"SELECT a.id, ts_rank(s.document, {query_sql}, 1) AS rank "  # noqa: S608
            "FROM kb_search s JOIN kb_articles a ON a.id = s.article_id "
            "JOIN kb_article_sites v ON v.article_id = a.id AND v.site_id = :site "
            f"WHERE a.status = 'published' AND s.document @@ {query_sql}{locale_sql} "
            "ORDER BY rank DESC, a.id LIMIT :n"
        )
    else:
        quoted = [f'"{t}"' for t in terms]
        if len(terms[-1]) >= 3:
            quoted[-1] = f"({quoted[-1]} OR {quoted[-1]}*)"
        params["match"] = (" AND " if every else " OR ").join(quoted)
        sql = (
            "SELECT a.id, -bm25(kb_fts, 10.0, 3.0, 6.0, 1.0) AS rank FROM kb_fts "  # noqa: S608
            "JOIN kb_articles a ON a.id = kb_fts.rowid "
            "JOIN kb_article_sites v ON v.article_id = a.id AND v.site_id = :site "
            f"WHERE kb_fts MATCH :match AND a.status = 'published'{locale_sql} "
            "ORDER BY rank DESC, a.id LIMIT :n"
        )
    rows = session.execute(text(sql), params).all()
    return [(int(r[0]), float(r[1])) for r in rows]


def _configs_in_use(session: Session) -> list[str]:
    """The text-search configurations of the indexed articles (an index-only read): a query
    without a language is parsed once per language the knowledge base has, not once per
    language PostgreSQL knows."""
    found = session.execute(text("SELECT DISTINCT config FROM kb_search")).scalars()
    return sorted(c for c in found if c in KNOWN_CONFIGS) or ["simple"]


def correct(session: Session, terms: Sequence[str]) -> list[str]:
    """Each word the articles never use replaced by their nearest word (edit distance 1 for
    words up to 5 letters, 2 from 6), kept as it is when nothing is that near.

    A word of the vocabulary, or the start of one, is kept: it is what the visitor means or is
    still typing ("log" for "login"), and the prefix search finds it; a near word ("long") is a
    different word."""
    out: list[str] = []
    for term in terms:
        if len(term) < 3 or session.get(Term, term) is not None or _starts_a_word(session, term):
            out.append(term)
            continue
        cap = 1 if len(term) <= 5 else 2
        rows = session.execute(
            select(Term.term)
            .where(Term.size.between(len(term) - cap, len(term) + cap))
            .where(Term.term.like(f"{term[0]}%") | Term.term.like(f"%{term[-2:]}"))
            .limit(5000)
        ).scalars()
        best, best_d = term, cap + 1
        for candidate in rows:
            d = edit_distance(term, candidate, cap)
            if d < best_d or (d == best_d and candidate < best):
                best, best_d = candidate, d
        out.append(best)
    return out


def _starts_a_word(session: Session, term: str) -> bool:
    """Whether some word of the vocabulary starts with ``term`` (an index range read)."""
    q = select(Term.term).where(Term.term.startswith(term, autoescape=True)).limit(1)
    return session.execute(q).first() is not None


def _score(
    ctx: PluginContext,
    site_id: int,
    ranked: list[tuple[int, float]],
    terms: Sequence[str],
    fixed: Sequence[str],
    corrected: set[int],
    limit: int,
) -> list[Hit]:
    """Score candidates; one found only through typo correction is scored on the corrected
    words (and then discounted by :data:`TYPO_PENALTY`)."""
    session = ctx.db_session
    articles = {
        a.id: a
        for a in session.execute(
            select(Article).where(Article.id.in_([aid for aid, _ in ranked]))
        ).scalars()
    }
    top = max((rank for _, rank in ranked), default=0.0) or 1.0
    hits: list[tuple[float, float, Hit]] = []
    for aid, rank in ranked:
        article = articles.get(aid)
        if article is None:
            continue
        head = f"{article.title} {' '.join(article.tags or [])} {article.summary}"
        asked = fixed if aid in corrected else terms
        coverage, head_cov = _coverage(head, article.body or "", asked)
        score = 0.45 * coverage + 0.35 * head_cov + 0.2 * max(0.0, rank / top)
        if aid in corrected:
            score *= TYPO_PENALTY
        hit = Hit(
            article_id=article.id,
            title=article.title,
            url=article_url(ctx, site_id, article.slug),
            summary=article.summary or "",
            snippet="",
            score=round(min(1.0, score), 4),
            slug=article.slug,
            locale=article.locale,
        )
        hits.append((hit.score, rank, hit))
    hits.sort(key=lambda h: (-h[0], -h[1], h[2].article_id))
    out = []
    for _, _, hit in hits[:limit]:
        article = articles[hit.article_id]
        asked = fixed if hit.article_id in corrected else terms
        wanted = {stem(t) for t in asked}
        snippet = best_passage(article.body or "", wanted, article.summary or "")
        out.append(replace(hit, snippet=snippet))
    return out


def _coverage(head: str, body: str, terms: Sequence[str]) -> tuple[float, float]:
    """Shares of the query's words held by the whole article and by its head (title, tags,
    summary). The last word also counts as a prefix (the visitor may still be typing it)."""
    head_stems = stems(head)
    all_words = set(words(f"{head} {body}"))
    all_stems = {stem(w) for w in all_words}
    last = stem(terms[-1])

    def holds(term: str) -> bool:
        s = stem(term)
        if s in all_stems:
            return True
        return s == last and len(s) >= 3 and any(w.startswith(s) for w in all_words)

    coverage = sum(holds(t) for t in terms) / len(terms)
    head_cov = sum(stem(t) in head_stems for t in terms) / len(terms)
    return coverage, head_cov


def _hits_for(
    ctx: PluginContext, site_id: int, ids: Sequence[int], terms: Sequence[str]
) -> dict[int, Hit]:
    """Hits (score 0) for articles only a search extension found, with their best passage.
    Only published articles shown on the site: an extension may rank from a cache that has not
    yet seen an article unpublished or taken off the site."""
    if not ids:
        return {}
    wanted = {stem(t) for t in terms}
    found = ctx.db_session.execute(
        select(Article)
        .join(ArticleSite, ArticleSite.article_id == Article.id)
        .where(
            Article.id.in_(list(ids)),
            Article.status == "published",
            ArticleSite.site_id == site_id,
        )
    ).scalars()
    return {
        a.id: Hit(
            article_id=a.id,
            title=a.title,
            url=article_url(ctx, site_id, a.slug),
            summary=a.summary or "",
            snippet=best_passage(a.body or "", wanted, a.summary or ""),
            score=0.0,
            slug=a.slug,
            locale=a.locale,
        )
        for a in found
    }

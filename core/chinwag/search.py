"""Full-text search over messages and internal notes: the inbox's ``q`` (issue 15).

**Syntax.** Words, all of which must match, the last one also as a prefix (``refu`` finds
"refund", so results follow the agent's typing); ``"quoted phrases"`` match words next to each
other, in order (an unclosed quote runs to the end). Words are letters and digits, compared
case-insensitively and without folding accents (both backends agree). A hyphenated or dotted
chunk (``e-mail``, ``v1.2``) is a phrase of its parts. :func:`parse` refuses a query without any
letter or digit, with more than :data:`MAX_WORDS` words or with control characters
(``ValueError``: the API answers ``400 validation_error`` on ``q`` with that message).

**Indexes** (migrations ``0018_search``, ``0024_search_punctuation``):

- PostgreSQL: GIN expression indexes on ``to_tsvector('simple', text)`` of ``messages`` and
  ``internal_notes``, with every ASCII punctuation mark of the text read as a space first
  (:func:`chinwag.models.search_vector_sql`, migration ``0024_search_punctuation``): so
  ``bob@example.com``, ``https://example.com/pay`` and ``v1.2`` are words as on SQLite, where
  PostgreSQL's parser kept each as one token that no query of words matched. The index follows
  every row (an erased or expired row leaves it with the row). The query is a ``to_tsquery``
  built from the parsed words (:func:`tsquery_text`): phrases ``<->``, the last word ``:*``.
- SQLite: FTS5 external-content tables ``messages_fts`` and ``notes_fts`` (tokenizer
  ``unicode61 remove_diacritics 0``) kept by triggers on insert, update of ``text`` and delete —
  also the deletes of a visitor's erasure, of retention and of cascades — so no FTS row outlives
  the text it indexes. A later migration that rebuilds ``messages`` or ``internal_notes`` with
  ``batch_alter_table`` drops the triggers: it must create them again (the SQL of 0018_search).

Matching conversations are found by id (``IN`` over the index), then the page is scoped and
ordered as before (:mod:`chinwag.access` applies first: an agent never finds a conversation of a
site they do not see). :func:`snippets` says why each row matched: the newest matching message
and note, cut around the first matched word, as parts ``{text, mark}`` that the inbox renders as
text and ``<mark>`` (never as HTML).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, column, func, literal_column, or_, select, table
from sqlalchemy.sql import Select

from chinwag.extensions import db
from chinwag.models import Message, search_vector_sql
from chinwag.notes import InternalNote

MAX_WORDS = 12
SNIPPET_CHARS = 160
SNIPPET_LEAD = 40
WORD = re.compile(r"[^\W_]+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CHUNK = re.compile(r'"([^"]*)"?|([^\s"]+)')


@dataclass(frozen=True)
class Query:
    """A parsed query: ``groups`` of words (one word, or a phrase), every group must match;
    ``prefix``: the last group's last word also matches as a prefix."""

    groups: tuple[tuple[str, ...], ...]
    prefix: bool

    @property
    def words(self) -> frozenset[str]:
        return frozenset(w for g in self.groups for w in g)

    @property
    def last(self) -> str:
        return self.groups[-1][-1]


def parse(text: str) -> Query:
    """``text`` as a :class:`Query`; ``ValueError`` with a human message when unusable."""
    if CONTROL.search(text):
        raise ValueError("A search cannot contain control characters.")
    groups: list[tuple[str, ...]] = []
    prefix = False
    for quoted, bare in CHUNK.findall(text):
        words = tuple(WORD.findall((quoted or bare).lower()))
        if words:
            groups.append(words)
            prefix = not quoted and bool(bare)
    if not groups:
        raise ValueError("Type at least one letter or digit to search.")
    if sum(len(g) for g in groups) > MAX_WORDS:
        raise ValueError(f"Search for at most {MAX_WORDS} words.")
    return Query(tuple(groups), prefix)


def fts5_expression(query: Query) -> str:
    """The FTS5 MATCH expression: quoted phrases (words are letters and digits only)."""
    parts = [f'"{" ".join(g)}"' for g in query.groups]
    if query.prefix:
        parts[-1] += "*"
    return " AND ".join(parts)


def tsquery_text(query: Query) -> str:
    """PostgreSQL: the ``to_tsquery`` text of ``query``, built from its words (letters and
    digits only, so quoting them is safe): each group a phrase (``<->``), every group required
    (``&``), the last word a prefix (``:*``) when it was typed bare. The words are those
    :func:`parse` found, split where the index splits (:func:`chinwag.models.search_vector_sql`)."""
    groups = [" <-> ".join(f"'{w}'" for w in g) for g in query.groups]
    if query.prefix:
        groups[-1] += ":*"
    return " & ".join(groups)


def _dialect() -> str:
    return str(db.session.get_bind().dialect.name)


def _matching_ids(model: Any, fts: str, query: Query) -> Select[Any]:
    """ids of ``model`` rows (messages or notes) whose text matches."""
    if _dialect() == "postgresql":
        # the index's own expression, as SQL text: bound parameters would not match it
        vector: ColumnElement[Any] = literal_column(
            search_vector_sql(f"{model.__tablename__}.text")
        )
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery_text(query))
        return select(model.id).where(vector.op("@@")(tsquery))
    index = table(fts, column("rowid", Integer), column(fts))
    return select(index.c.rowid).where(index.c[fts].op("MATCH")(fts5_expression(query)))


def _note_visible(enabled: set[str]) -> ColumnElement[bool]:
    """A disabled plugin's notes are hidden in the inbox: they are not found either."""
    return or_(InternalNote.author_plugin.is_(None), InternalNote.author_plugin.in_(enabled))


def conversation_ids(query: Query, enabled: set[str]) -> tuple[Select[Any], Select[Any]]:
    """Two selects of conversation ids: those with a matching message, with a matching note."""
    messages = select(Message.conversation_id).where(
        Message.id.in_(_matching_ids(Message, "messages_fts", query))
    )
    notes = select(InternalNote.conversation_id).where(
        InternalNote.id.in_(_matching_ids(InternalNote, "notes_fts", query)),
        _note_visible(enabled),
    )
    return messages, notes


def highlight(text: str, query: Query) -> list[dict[str, Any]]:
    """``text`` cut to about :data:`SNIPPET_CHARS` around its first matched word, as parts
    ``{"text", "mark"}`` (``mark``: a matched word)."""
    text = " ".join(text.split())
    words = query.words
    last = query.last if query.prefix else None
    marks = [
        (m.start(), m.end())
        for m in WORD.finditer(text)
        if (w := m.group().lower()) in words or (last is not None and w.startswith(last))
    ]
    start = 0
    if marks and marks[0][0] > SNIPPET_LEAD:
        space = text.find(" ", marks[0][0] - SNIPPET_LEAD, marks[0][0])
        start = space + 1 if space >= 0 else marks[0][0] - SNIPPET_LEAD
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start + SNIPPET_CHARS // 2, end)
        end = space if space > 0 else end
    parts: list[dict[str, Any]] = []
    if start:
        parts.append({"text": "…", "mark": False})
    at = start
    for a, b in marks:
        if a < start or b > end:
            continue
        if a > at:
            parts.append({"text": text[at:a], "mark": False})
        parts.append({"text": text[a:b], "mark": True})
        at = b
    if end > at:
        parts.append({"text": text[at:end], "mark": False})
    if end < len(text):
        parts.append({"text": "…", "mark": False})
    return parts


def snippets(ids: list[int], query: Query, enabled: set[str]) -> dict[int, list[dict[str, Any]]]:
    """Per conversation of ``ids``: why it matched, the newest matching message then the newest
    matching note, each ``{kind, id, author_name, parts}`` (a visitor match has none)."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return out
    sources: list[tuple[str, Any, str, list[Any]]] = [
        ("message", Message, "messages_fts", []),
        ("note", InternalNote, "notes_fts", [_note_visible(enabled)]),
    ]
    for kind, model, fts, extra in sources:
        newest = (
            select(func.max(model.id))
            .where(
                model.conversation_id.in_(ids),
                model.id.in_(_matching_ids(model, fts, query)),
                *extra,
            )
            .group_by(model.conversation_id)
        )
        rows = db.session.execute(
            select(model.conversation_id, model.id, model.author_name, model.text).where(
                model.id.in_(newest)
            )
        ).all()
        for conv_id, row_id, author, text in rows:
            out.setdefault(conv_id, []).append(
                {
                    "kind": kind,
                    "id": row_id,
                    "author_name": author,
                    "parts": highlight(text or "", query),
                }
            )
    return out

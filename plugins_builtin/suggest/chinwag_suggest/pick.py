"""Which chips to offer after a bot answer, best first: pinned ones, the questions that tended
to come next after this one, the visitor's segment's, then the site's most asked (learned from
conversations the bot resolved, thumbs up counting extra). Hidden ones never."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from chinwag_suggest.models import Question, Suggestion, question_key

#: how many learned rows one pick reads at most (bounded work per answer)
SCAN = 50


def followups(session: Session, site_id: int, key: str) -> list[tuple[str, str]]:
    """``(key, text)`` of the questions asked next after ``key`` in conversations the bot
    resolved, most frequent first."""
    first, nxt = aliased(Question), aliased(Question)
    later = (
        select(func.min(Question.id))
        .where(Question.conversation_id == first.conversation_id, Question.id > first.id)
        .correlate(first)
        .scalar_subquery()
    )
    rows = session.execute(
        select(nxt.key, func.min(nxt.text), func.count())
        .select_from(first)
        .join(nxt, nxt.id == later)
        .where(
            first.site_id == site_id,
            first.key == key,
            first.resolved.is_(True),
            nxt.resolved.is_(True),
            nxt.key != key,
        )
        .group_by(nxt.key)
        .order_by(func.count().desc(), nxt.key)
        .limit(SCAN)
    ).all()
    return [(k, t) for k, t, _n in rows]


def most_asked(session: Session, site_id: int) -> list[tuple[str, str]]:
    """``(key, text)`` of the questions of resolved conversations, by count plus thumbs up."""
    weight = func.count() + func.coalesce(func.sum(Question.thumbs_up), 0)
    rows = session.execute(
        select(Question.key, func.min(Question.text), weight)
        .where(Question.site_id == site_id, Question.resolved.is_(True))
        .group_by(Question.key)
        .order_by(weight.desc(), Question.key)
        .limit(SCAN)
    ).all()
    return [(k, t) for k, t, _w in rows]


def segment_questions(
    segments: Iterable[Mapping[str, Any]], attributes: Mapping[str, Any]
) -> list[str]:
    out: list[str] = []
    for seg in segments:
        if seg["attribute"] in attributes and str(attributes[seg["attribute"]]) == seg["value"]:
            out.extend(seg["questions"])
    return out


def pick(
    session: Session,
    site_id: int,
    after: str | None,
    asked: Sequence[str],
    segments: Iterable[Mapping[str, Any]],
    attributes: Mapping[str, Any],
    limit: int,
) -> list[Suggestion]:
    """The suggestions to offer (created on first offer so admins can pin, hide and edit them)."""
    items = {
        s.key: s
        for s in session.execute(select(Suggestion).where(Suggestion.site_id == site_id)).scalars()
    }
    skip = {question_key(a) for a in asked}
    candidates: list[tuple[str, str, str]] = [
        (s.key, s.text, s.source) for s in items.values() if s.pinned
    ]
    if after:
        candidates += [(k, t, "followup") for k, t in followups(session, site_id, after)]
    candidates += [(question_key(q), q, "segment") for q in segment_questions(segments, attributes)]
    candidates += [(k, t, "learned") for k, t in most_asked(session, site_id)]
    out: list[Suggestion] = []
    for key, text, source in candidates:
        if len(out) >= limit:
            break
        if not key or key in skip:
            continue
        skip.add(key)
        item = items.get(key)
        if item is None:
            item = items[key] = Suggestion(site_id=site_id, key=key, text=text[:200], source=source)
            session.add(item)
        if not item.hidden:
            out.append(item)
    session.flush()
    return out

"""The report queries, shared by the REST API, the admin's Reports page and the CSV export.

Each query filters on ``site_id`` and a date range first, which the indexes
``ix_feedback_surveys_site_asked`` / ``ix_feedback_ratings_site_created`` (and the ``agent_*``
ones for one agent) serve; bench/feedback measures them at a million rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session

from chinwag_feedback.models import Answer, AnswerLink, Rating, Survey

GROUPS = ("day", "agent", "team", "site", "trigger")


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to (every field optional)."""

    site_id: int | None = None
    start: date | None = None
    end: date | None = None
    agent_id: int | None = None
    conversation_id: int | None = None
    value: str | None = None
    reason: str | None = None
    q: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Filters:
        return cls(
            site_id=query.get("site_id"),
            start=query.get("from_"),
            end=query.get("to"),
            agent_id=query.get("agent_id"),
            conversation_id=query.get("conversation_id"),
            value=query.get("value"),
            reason=query.get("reason"),
            q=query.get("q"),
        )

    def as_query(self) -> dict[str, str]:
        """The URL query of these filters (the admin page's links and form)."""
        out = {
            "site_id": self.site_id,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "agent_id": self.agent_id,
            "conversation_id": self.conversation_id,
            "value": self.value,
            "reason": self.reason,
            "q": self.q,
        }
        return {k: str(v) for k, v in out.items() if v not in (None, "")}


def _bounds(f: Filters) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(f.start, time.min, UTC) if f.start else None
    end = datetime.combine(f.end + timedelta(days=1), time.min, UTC) if f.end else None
    return start, end


def _narrow(stmt: Select[Any], model: type[Rating] | type[Survey], f: Filters) -> Select[Any]:
    stamp = Rating.created_at if model is Rating else Survey.asked_at
    start, end = _bounds(f)
    if f.site_id is not None:
        stmt = stmt.where(model.site_id == f.site_id)
    if f.agent_id is not None:
        stmt = stmt.where(model.agent_id == f.agent_id)
    if f.conversation_id is not None:
        stmt = stmt.where(model.conversation_id == f.conversation_id)
    if start is not None:
        stmt = stmt.where(stamp >= start)
    if end is not None:
        stmt = stmt.where(stamp < end)
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(model.comment.ilike(pattern, escape="\\"))
    return stmt


def _key(model: type[Rating] | type[Survey], group_by: str) -> Any:
    if group_by == "agent":
        return model.agent_id
    if group_by == "team":
        return model.team_id
    if group_by == "site":
        return model.site_id
    if group_by == "trigger":  # how a survey was asked; a rating has none
        return Survey.trigger if model is Survey else literal(None)
    stamp = Rating.created_at if model is Rating else Survey.asked_at
    return func.date(stamp)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summary_statements(f: Filters, group_by: str = "day") -> tuple[Select[Any], Select[Any]]:
    """The two grouped queries of :func:`summary` (surveys, ratings); tests EXPLAIN them."""
    skey = _key(Survey, group_by).label("key")
    surveys = _narrow(
        select(
            skey,
            func.count(Survey.id),
            func.count(Survey.answered_at),
            func.sum(case((Survey.satisfied.is_(True), 1), else_=0)),
            func.sum(case((Survey.nps_class == "promoter", 1), else_=0)),
            func.sum(case((Survey.nps_class == "passive", 1), else_=0)),
            func.sum(case((Survey.nps_class == "detractor", 1), else_=0)),
            func.avg(Survey.score),
        ),
        Survey,
        f,
    ).group_by(skey)
    rkey = _key(Rating, group_by).label("key")
    ratings = _narrow(
        select(rkey, func.count(Rating.id), func.sum(case((Rating.value == "down", 1), else_=0))),
        Rating,
        f,
    ).group_by(rkey)
    return surveys, ratings


def summary(session: Session, f: Filters, group_by: str = "day") -> list[dict[str, Any]]:
    """CSAT score, response rate, NPS split and thumbs-down rate per day, agent, team or site;
    per trigger (how surveys were asked: in the widget or mailed, on close or after idle) the
    survey figures only."""
    surveys, ratings = summary_statements(f, group_by)
    rows: dict[str, dict[str, Any]] = {}

    def row(key: Any) -> dict[str, Any]:
        name = "" if key is None else str(key)
        return rows.setdefault(
            name,
            {
                "key": name,
                "surveys_asked": 0,
                "surveys_answered": 0,
                "satisfied": 0,
                "promoters": 0,
                "passives": 0,
                "detractors": 0,
                "average_score": None,
                "ratings": 0,
                "thumbs_down": 0,
            },
        )

    for key, asked, answered, happy, pro, pas, det, avg in session.execute(surveys):
        r = row(key)
        r.update(
            surveys_asked=asked,
            surveys_answered=answered,
            satisfied=int(happy or 0),
            promoters=int(pro or 0),
            passives=int(pas or 0),
            detractors=int(det or 0),
            average_score=round(float(avg), 2) if avg is not None else None,
        )
    for key, count, down in session.execute(ratings) if group_by != "trigger" else ():
        r = row(key)
        r.update(ratings=count, thumbs_down=int(down or 0))
    for r in rows.values():
        r["response_rate"] = _ratio(r["surveys_answered"], r["surveys_asked"])
        r["csat"] = _ratio(r["satisfied"], r["surveys_answered"])
        nps_n = r["promoters"] + r["passives"] + r["detractors"]
        r["nps"] = round(100 * (r["promoters"] - r["detractors"]) / nps_n, 1) if nps_n else None
        r["thumbs_down_rate"] = _ratio(r["thumbs_down"], r["ratings"])
    return sorted(rows.values(), key=lambda r: r["key"])


def totals(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The summary's rows added up."""
    t = {"asked": 0, "answered": 0, "satisfied": 0, "pro": 0, "pas": 0, "det": 0, "r": 0, "d": 0}
    for r in rows:
        t["asked"] += r["surveys_asked"]
        t["answered"] += r["surveys_answered"]
        t["satisfied"] += r["satisfied"]
        t["pro"] += r["promoters"]
        t["pas"] += r["passives"]
        t["det"] += r["detractors"]
        t["r"] += r["ratings"]
        t["d"] += r["thumbs_down"]
    nps_n = t["pro"] + t["pas"] + t["det"]
    return {
        "surveys_asked": t["asked"],
        "surveys_answered": t["answered"],
        "response_rate": _ratio(t["answered"], t["asked"]),
        "csat": _ratio(t["satisfied"], t["answered"]),
        "promoters": t["pro"],
        "passives": t["pas"],
        "detractors": t["det"],
        "nps": round(100 * (t["pro"] - t["det"]) / nps_n, 1) if nps_n else None,
        "ratings": t["r"],
        "thumbs_down": t["d"],
        "thumbs_down_rate": _ratio(t["d"], t["r"]),
    }


def worst_answers(session: Session, f: Filters, limit: int = 20) -> list[dict[str, Any]]:
    """The most down-rated answers (with their thumbs-down rate and reasons)."""
    stmt = _narrow(
        select(
            Rating.message_id,
            Rating.conversation_id,
            func.count(Rating.id),
            func.sum(case((Rating.value == "down", 1), else_=0)).label("downs"),
        ),
        Rating,
        f,
    ).group_by(Rating.message_id, Rating.conversation_id)
    stmt = stmt.order_by(func.sum(case((Rating.value == "down", 1), else_=0)).desc()).limit(limit)
    found = [
        {"message_id": m, "conversation_id": c, "ratings": n, "thumbs_down": int(d or 0)}
        for m, c, n, d in session.execute(stmt)
        if d
    ]
    if not found:
        return []
    ids = [r["message_id"] for r in found]
    excerpts: dict[int, str] = {
        mid: text
        for mid, text in session.execute(
            select(Answer.message_id, Answer.excerpt).where(Answer.message_id.in_(ids))
        )
    }
    reasons: dict[int, dict[str, int]] = {}
    for mid, reason, n in session.execute(
        select(Rating.message_id, Rating.reason, func.count(Rating.id))
        .where(Rating.message_id.in_(ids), Rating.reason.is_not(None))
        .group_by(Rating.message_id, Rating.reason)
    ):
        reasons.setdefault(mid, {})[reason] = n
    for r in found:
        r["excerpt"] = excerpts.get(r["message_id"], "")
        r["thumbs_down_rate"] = _ratio(r["thumbs_down"], r["ratings"])
        r["reasons"] = reasons.get(r["message_id"], {})
    return found


def article_statement(f: Filters, limit: int = 50) -> Select[Any]:
    """Ratings of bot answers per knowledge-base article they linked, most thumbs down first."""
    downs = func.sum(case((Rating.value == "down", 1), else_=0))
    stmt = select(AnswerLink.url, func.max(AnswerLink.title), func.count(Rating.id), downs).join(
        AnswerLink, AnswerLink.message_id == Rating.message_id
    )
    stmt = _narrow(stmt, Rating, f).group_by(AnswerLink.url)
    return stmt.order_by(downs.desc(), func.count(Rating.id).desc(), AnswerLink.url).limit(limit)


def articles(session: Session, f: Filters, limit: int = 50) -> list[dict[str, Any]]:
    """Per knowledge-base article a rated bot answer linked (its ``card`` blocks): ratings,
    thumbs down, the thumbs-down rate and the reasons given. An answer linking three articles
    counts for each of them."""
    found = [
        {"url": url, "title": title or "", "ratings": n, "thumbs_down": int(d or 0)}
        for url, title, n, d in session.execute(article_statement(f, limit))
    ]
    if not found:
        return []
    reasons: dict[str, dict[str, int]] = {}
    stmt = select(AnswerLink.url, Rating.reason, func.count(Rating.id)).join(
        AnswerLink, AnswerLink.message_id == Rating.message_id
    )
    stmt = _narrow(stmt, Rating, f).where(
        AnswerLink.url.in_([r["url"] for r in found]), Rating.reason.is_not(None)
    )
    for url, reason, n in session.execute(stmt.group_by(AnswerLink.url, Rating.reason)):
        reasons.setdefault(url, {})[reason] = n
    for r in found:
        r["thumbs_down_rate"] = _ratio(r["thumbs_down"], r["ratings"])
        r["reasons"] = reasons.get(r["url"], {})
    return found


def ratings_page(f: Filters, cursor: int | None, limit: int) -> Select[Any]:
    """One page of ratings, newest (highest id) first: with a site, ``(site_id, id)`` serves
    it without a sort (``ix_feedback_ratings_site_id_id``, proven by tests/test_indexes.py)."""
    stmt = _narrow(select(Rating), Rating, f)
    if f.value:
        stmt = stmt.where(Rating.value == f.value)
    if f.reason:
        stmt = stmt.where(Rating.reason == f.reason)
    if cursor is not None:
        stmt = stmt.where(Rating.id < cursor)
    return stmt.order_by(Rating.id.desc()).limit(limit)


def surveys_page(
    f: Filters, cursor: int | None, limit: int, answered: bool | None = None
) -> Select[Any]:
    """One page of surveys, newest first (``ix_feedback_surveys_site_id_id``)."""
    stmt = _narrow(select(Survey), Survey, f)
    if answered is True:
        stmt = stmt.where(Survey.answered_at.is_not(None))
    elif answered is False:
        stmt = stmt.where(Survey.answered_at.is_(None))
    if cursor is not None:
        stmt = stmt.where(Survey.id < cursor)
    return stmt.order_by(Survey.id.desc()).limit(limit)


def list_ratings(
    session: Session, f: Filters, cursor: int | None, limit: int
) -> tuple[list[Rating], int | None]:
    """Ratings newest first; the cursor is the last id of the previous page."""
    found = list(session.execute(ratings_page(f, cursor, limit + 1)).scalars())
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].id if more and found else None)


def list_surveys(
    session: Session, f: Filters, cursor: int | None, limit: int, answered: bool | None = None
) -> tuple[list[Survey], int | None]:
    """Surveys newest first; the cursor is the last id of the previous page."""
    found = list(session.execute(surveys_page(f, cursor, limit + 1, answered)).scalars())
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].id if more and found else None)


def comments(session: Session, f: Filters, limit: int = 50) -> list[dict[str, Any]]:
    """The newest comments of ratings and surveys (searched with ``f.q``)."""
    out: list[dict[str, Any]] = []
    ratings = _narrow(select(Rating).where(Rating.comment.is_not(None)), Rating, f)
    for r in session.execute(ratings.order_by(Rating.id.desc()).limit(limit)).scalars():
        out.append(
            {
                "kind": "rating",
                "at": r.created_at,
                "conversation_id": r.conversation_id,
                "score": f"{r.value} ({r.reason or '-'})",
                "comment": r.comment or "",
            }
        )
    surveys = _narrow(select(Survey).where(Survey.comment.is_not(None)), Survey, f)
    for s in session.execute(surveys.order_by(Survey.id.desc()).limit(limit)).scalars():
        out.append(
            {
                "kind": "survey",
                "at": s.asked_at,
                "conversation_id": s.conversation_id,
                "score": f"{s.score} ({s.scale})",
                "comment": s.comment or "",
            }
        )
    out.sort(key=lambda c: c["at"] if c["at"].tzinfo else c["at"].replace(tzinfo=UTC), reverse=True)
    return out[:limit]

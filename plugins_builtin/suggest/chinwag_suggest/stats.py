"""Each suggestion's figures, computed from its views (the one source of truth)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, case, func, select
from sqlalchemy.orm import Session

from chinwag_suggest.models import Suggestion, View

#: rows the admin lists at most (pinned first, then most shown)
MAX_ROWS = 200


@dataclass(frozen=True)
class SuggestionStats:
    id: int
    site_id: int
    text: str
    source: str
    pinned: bool
    hidden: bool
    shown: int
    clicked: int
    resolved: int

    @property
    def click_through(self) -> float:
        """Clicked views over views (0 when never shown)."""
        return self.clicked / self.shown if self.shown else 0.0

    @property
    def resolution_rate(self) -> float:
        """Clicked views whose conversation the bot resolved, over clicked views."""
        return self.resolved / self.clicked if self.clicked else 0.0


def suggestion_stats(session: Session, site_id: int | None = None) -> list[SuggestionStats]:
    def count(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0).cast(Integer)

    shown = func.count(View.id)
    q = (
        select(
            Suggestion,
            shown,
            count(View.clicked.is_(True)),
            count(View.resolved.is_(True)),
        )
        .outerjoin(View, View.suggestion_id == Suggestion.id)
        .group_by(Suggestion.id)
        .order_by(Suggestion.pinned.desc(), shown.desc(), Suggestion.id)
        .limit(MAX_ROWS)
    )
    if site_id is not None:
        q = q.where(Suggestion.site_id == site_id)
    return [
        SuggestionStats(
            s.id, s.site_id, s.text, s.source, s.pinned, s.hidden, int(n), int(c), int(r)
        )
        for s, n, c, r in session.execute(q).all()
    ]

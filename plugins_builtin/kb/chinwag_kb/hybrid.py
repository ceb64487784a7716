"""Hybrid ranking: the full-text hits and the search extensions' rankings fused into one list.

Order by reciprocal rank fusion (Cormack et al., 2009): each article gets ``sum 1 / (K + rank)``
over the rankings that hold it. RRF needs no calibration between the rankings (bm25, ts_rank
and cosine similarity are on unrelated scales) and rewards articles both find.

``Hit.score`` stays a confidence callers threshold on (the answer bot's 0.5): the better of the
article's full-text score and the extension's score, never raised by the fusion itself, so an
unanswerable question does not gain confidence because two rankings agree on a weak hit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chinwag_kb.search import Hit

#: the usual RRF constant: a hit at rank 1 weighs 1/61, at rank 10 1/70
K = 60


def fuse(
    full_text: Sequence[Hit],
    others: Sequence[Sequence[tuple[int, float]]],
    limit: int,
    make_hits: Callable[[Sequence[int]], dict[int, Hit]],
) -> list[Hit]:
    """The fused list, best first, at most ``limit`` hits. ``make_hits`` builds hits for the
    articles only an extension found (ids of articles that no longer exist are dropped)."""
    fused: dict[int, float] = {}
    best: dict[int, float] = {}
    for rank, hit in enumerate(full_text, start=1):
        fused[hit.article_id] = fused.get(hit.article_id, 0.0) + 1 / (K + rank)
        best[hit.article_id] = hit.score
    for ranking in others:
        for rank, (aid, score) in enumerate(ranking, start=1):
            fused[aid] = fused.get(aid, 0.0) + 1 / (K + rank)
            best[aid] = max(best.get(aid, 0.0), min(1.0, max(0.0, score)))
    order = sorted(fused, key=lambda a: (-fused[a], -best[a], a))[:limit]
    known = {h.article_id: h for h in full_text}
    missing = make_hits([a for a in order if a not in known])
    out = []
    for aid in order:
        hit = known.get(aid) or missing.get(aid)
        if hit is not None:
            out.append(replace(hit, score=round(best[aid], 4)))
    return out

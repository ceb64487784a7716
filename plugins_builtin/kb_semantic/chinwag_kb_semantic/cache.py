"""What the semantic ranking keeps per process, so that a query reads nothing from the database:
the vector matrix and, per site and language, the rows of the site's visible articles in it.

Dropped at once in this process (:func:`forget`) when chinwag-kb reports saved articles (the
seam's ``articles_saved``) and when a job here has committed vectors. Another process (a second
server, a separate worker) sees a change within :data:`STALE_SECONDS`, when it checks an entry
against the database again. Serving that stale is safe: kb builds the hits of the articles only
an extension found from published articles shown on the site only, so an article unpublished or
taken off the site elsewhere is never shown; a new article is found by its words meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chinwag_kb_semantic.embed import DIM, MODEL
from chinwag_kb_semantic.models import Vector

#: how long an entry is used without asking the database whether it changed (other processes)
STALE_SECONDS = 5.0
#: (site, language) entries kept at most; the language comes from the visitor's request
MAX_SITE_ENTRIES = 256


@dataclass(frozen=True)
class Matrix:
    """Every article vector of the pinned model, one row each."""

    stamp: tuple[int, str]
    ids: NDArray[np.int64]
    vectors: NDArray[np.float32]
    checked: float


@dataclass(frozen=True)
class Visible:
    """A site's visible article ids (in a language) and their rows in ``matrix``."""

    ids: NDArray[np.int64]
    rows: NDArray[np.intp]
    matrix: Matrix
    checked: float


_matrices: dict[str, Matrix] = {}
_visible: dict[tuple[str, int, str], Visible] = {}
_lock = threading.Lock()


def forget() -> None:
    """Drop every entry of this process (the next query reads the database)."""
    with _lock:
        _matrices.clear()
        _visible.clear()


def matrix(session: Session) -> Matrix:
    """The vector matrix of ``session``'s database, re-checked every :data:`STALE_SECONDS`
    (row count and latest ``embedded_at``: one indexed read) and reloaded when it changed."""
    key = _key(session)
    now = time.monotonic()
    cached = _matrices.get(key)
    if cached is not None and now - cached.checked < STALE_SECONDS:
        return cached
    count, latest = session.execute(
        select(func.count(Vector.article_id), func.max(Vector.embedded_at)).where(
            Vector.model == MODEL
        )
    ).one()
    stamp = (int(count or 0), str(latest))
    if cached is not None and cached.stamp == stamp:
        built = replace(cached, checked=now)
    else:
        rows = session.execute(
            select(Vector.article_id, Vector.vector).where(Vector.model == MODEL)
        ).all()
        vectors = (
            np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), DIM)
            if rows
            else np.zeros((0, DIM), dtype=np.float32)
        )
        built = Matrix(stamp, np.array([r[0] for r in rows], dtype=np.int64), vectors, now)
    with _lock:
        _matrices[key] = built
    return built


def visible_rows(
    session: Session,
    current: Matrix,
    site_id: int,
    language: str,
    read_ids: Callable[[], NDArray[np.int64]],
) -> NDArray[np.intp]:
    """The rows of ``current`` holding the site's visible articles (``read_ids`` reads their
    ids from the database: every :data:`STALE_SECONDS` at most)."""
    key = (_key(session), site_id, language)
    now = time.monotonic()
    cached = _visible.get(key)
    fresh = cached is not None and now - cached.checked < STALE_SECONDS
    if cached is not None and fresh and cached.matrix is current:
        return cached.rows
    ids = cached.ids if cached is not None and fresh else read_ids()
    rows = np.flatnonzero(np.isin(current.ids, ids))
    checked = cached.checked if cached is not None and fresh else now
    with _lock:
        if len(_visible) >= MAX_SITE_ENTRIES and key not in _visible:
            _visible.clear()
        _visible[key] = Visible(ids, rows, current, checked)
    return rows


def _key(session: Session) -> str:
    return str(session.get_bind().engine.url)

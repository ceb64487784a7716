"""The installation check of a site: where its widget was last loaded from, and what went wrong.

The loader fetches the site's config on every page view and the chat frame after it; both
requests tell the server the embedding page's origin (``Referer``, ``host``). What they show is
kept per site in one small row: the last load, the last few origins and the last few errors
(an origin not on the allow-list, which the loader also warns about in the console). Writes are
bounded: one per site, origin and kind a minute per process, so a busy site costs one write a
minute, not one per page view.

A load with a site key that names no site cannot be tied to a site: it is kept per origin
instead (:class:`RefusedLoad`: the origin, the key it tried, when, how often), and a site whose
allowed origins include that origin shows it ("this origin tried an unknown key"), which is how
an owner learns of a mistyped ``data-site``. At most :data:`KEEP_REFUSED` origins are kept (the
oldest forgotten first), and at most :data:`REFUSED_PER_MINUTE` written a minute per process,
so forged Referers cannot fill the database."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from chinwag_plugin_api import Model
from flask import current_app
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from chinwag.actions.base import write_transaction
from chinwag.extensions import db

log = logging.getLogger(__name__)

#: how many origins and errors a site keeps (the latest first)
KEEP = 5
#: at most one write per (site, origin, kind) per process in this many seconds
WRITE_EVERY = 60.0
#: origins kept with a refused load (an unknown site key); the oldest are forgotten
KEEP_REFUSED = 500
#: refused loads written per process and minute, whatever their origins
REFUSED_PER_MINUTE = 30


class SiteInstall(Model):
    """One site's installation check (``GET /api/v1/sites/<id>/install``)."""

    __tablename__ = "site_installs"
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    last_load_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: ``[{"origin", "at"}]``, the latest first
    origins: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: ``[{"code", "origin", "at"}]``, the latest first
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class RefusedLoad(Model):
    """An origin that loaded the widget with a site key that names no site (the latest try)."""

    __tablename__ = "refused_loads"
    origin: Mapped[str] = mapped_column(String(300), primary_key=True)
    site_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    count: Mapped[int] = mapped_column(Integer, default=1)


def origin_of(url: str | None) -> str | None:
    """``https://shop.example`` of a page URL (a Referer), None when it is not a web URL."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"[:300]


def _due(site_id: int, origin: str | None, code: str | None) -> bool:
    seen: dict[tuple[Any, ...], float] = current_app.extensions.setdefault("chinwag_installs", {})
    key = (site_id, origin, code)
    now = time.monotonic()
    if now - seen.get(key, -WRITE_EVERY) < WRITE_EVERY:
        return False
    if len(seen) > 10000:  # many sites or forged origins: forget, at worst a few more writes
        seen.clear()
    seen[key] = now
    return True


def _push(items: list[dict[str, Any]], item: dict[str, Any], same: tuple[str, ...]) -> list[Any]:
    rest = [x for x in items if any(x.get(k) != item.get(k) for k in same)]
    return [item, *rest][:KEEP]


def record(site_id: int, origin: str | None, code: str | None = None) -> None:
    """Note a widget load from ``origin`` (``code`` None) or an error; never fails the request."""
    if not _due(site_id, origin, code):
        return
    at = datetime.now(UTC).isoformat()
    try:
        with write_transaction():
            row = db.session.get(SiteInstall, site_id)
            if row is None:
                row = SiteInstall(site_id=site_id, origins=[], errors=[])
                db.session.add(row)
            if code is None:
                row.last_load_at = datetime.now(UTC)
                if origin:
                    row.origins = _push(
                        row.origins or [], {"origin": origin, "at": at}, ("origin",)
                    )
            else:
                error = {"code": code, "origin": origin, "at": at}
                row.errors = _push(row.errors or [], error, ("code", "origin"))
    except SQLAlchemyError:
        log.warning("could not record the installation check of site %s", site_id, exc_info=True)


def _refused_due(origin: str) -> bool:
    """One write per origin a minute, and :data:`REFUSED_PER_MINUTE` in all, per process."""
    if not _due(0, origin, "unknown_site_key"):
        return False
    budget: list[float] = current_app.extensions.setdefault("chinwag_refused", [])
    now = time.monotonic()
    budget[:] = [t for t in budget if now - t < 60.0]
    if len(budget) >= REFUSED_PER_MINUTE:
        return False
    budget.append(now)
    return True


def record_refused(origin: str | None, site_key: str) -> None:
    """Note a load from ``origin`` with a key that names no site; never fails the request."""
    if not origin or not _refused_due(origin):
        return
    try:
        with write_transaction():
            row = db.session.get(RefusedLoad, origin)
            now = datetime.now(UTC)
            if row is None:
                db.session.add(RefusedLoad(origin=origin, site_key=site_key[:64], at=now, count=1))
            else:
                row.site_key, row.at, row.count = site_key[:64], now, (row.count or 0) + 1
            db.session.flush()
            stale = select(RefusedLoad.origin).order_by(RefusedLoad.at.desc()).offset(KEEP_REFUSED)
            old = list(db.session.execute(stale).scalars())
            if old:
                db.session.execute(delete(RefusedLoad).where(RefusedLoad.origin.in_(old)))
    except SQLAlchemyError:
        log.warning("could not record a refused load from %s", origin, exc_info=True)


def _iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


def refused(origins: list[str]) -> list[dict[str, Any]]:
    """The unknown keys tried from ``origins`` (a site's allowed origins), the latest first."""
    if not origins:
        return []
    rows = db.session.execute(
        select(RefusedLoad)
        .where(RefusedLoad.origin.in_(origins))
        .order_by(RefusedLoad.at.desc())
        .limit(KEEP)
    ).scalars()
    return [
        {"origin": r.origin, "site_key": r.site_key, "at": _iso(r.at), "count": r.count}
        for r in rows
    ]


def check(site_id: int, allowed_origins: list[str] | None = None) -> dict[str, Any]:
    """What the admin's site page shows: the last load, origins and errors, and the unknown
    site keys tried from the site's allowed origins."""
    row = db.session.get(SiteInstall, site_id)
    tried = refused(list(allowed_origins or []))
    if row is None:
        return {"last_load_at": None, "origins": [], "errors": [], "unknown_keys": tried}
    return {
        "last_load_at": _iso(row.last_load_at),
        "origins": list(row.origins or []),
        "errors": list(row.errors or []),
        "unknown_keys": tried,
    }

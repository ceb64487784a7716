"""The installation check of a site: where its widget was last loaded from, and what went wrong.

The loader fetches the site's config on every page view and the chat frame after it; both
requests tell the server the embedding page's origin (``Referer``, ``host``). What they show is
kept per site in one small row: the last load, the last few origins and the last few errors
(an origin not on the allow-list, which the loader also warns about in the console). Writes are
bounded: one per site, origin and kind a minute per process, so a busy site costs one write a
minute, not one per page view."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from chinwag_plugin_api import Model
from flask import current_app
from sqlalchemy import JSON, DateTime, ForeignKey
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from chinwag.actions.base import write_transaction
from chinwag.extensions import db

log = logging.getLogger(__name__)

#: how many origins and errors a site keeps (the latest first)
KEEP = 5
#: at most one write per (site, origin, kind) per process in this many seconds
WRITE_EVERY = 60.0


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


def check(site_id: int) -> dict[str, Any]:
    """What the admin's site page shows: the last load, origins and errors."""
    row = db.session.get(SiteInstall, site_id)
    if row is None:
        return {"last_load_at": None, "origins": [], "errors": []}
    last = row.last_load_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return {
        "last_load_at": last.isoformat() if last else None,
        "origins": list(row.origins or []),
        "errors": list(row.errors or []),
    }

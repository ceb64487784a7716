"""Which origins may open a Socket.IO connection at all, checked at the Engine.IO layer.

Engine.IO answers CORS and WebSocket handshakes before any namespace runs; with ``"*"`` it
reflected every Origin (credentials allowed). It now accepts Chinwag's own origin, the admin's
(``CHINWAG_ADMIN_ORIGIN``) and the allowed origins of any site; each namespace's ``connect``
still checks the origin against *that* site (or the admin) as before. A request without an
Origin is no browser's and passes here (tokens still apply).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

#: the sites' origins are re-read this often; an origin not found is looked up again if the
#: list is older than ``MISS_SECONDS`` (a site just created or edited: at most 2 reads a second)
REFRESH_SECONDS = 5.0
MISS_SECONDS = 0.5


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url.strip()


def origin_checker(app: Flask) -> Callable[[str | None, dict[str, Any]], bool]:
    """``cors_allowed_origins`` for python-socketio: a callable ``(origin, environ) -> bool``."""
    lock = threading.Lock()
    cache: dict[str, Any] = {"at": -REFRESH_SECONDS, "origins": frozenset()}

    def fixed(environ: dict[str, Any]) -> set[str]:
        cfg = app.config
        found = {o.strip().rstrip("/") for o in (cfg.get("CHINWAG_ADMIN_ORIGIN") or "").split(",")}
        if cfg.get("CHINWAG_PUBLIC_URL"):
            found.add(_origin(cfg["CHINWAG_PUBLIC_URL"]))
        host = environ.get("HTTP_HOST")
        if host:  # no public URL configured: the origin the request was sent to
            found.add(f"{environ.get('wsgi.url_scheme', 'http')}://{host}")
        found.discard("")
        return found

    def site_origins(max_age: float = REFRESH_SECONDS) -> frozenset[str]:
        now = time.monotonic()
        with lock:
            if now - cache["at"] < max_age:
                return frozenset(cache["origins"])
            cache["at"] = now
        from chinwag.extensions import db
        from chinwag.models import Site

        with app.app_context():
            rows = db.session.execute(select(Site.allowed_origins)).scalars().all()
            db.session.remove()
        origins = frozenset(o.rstrip("/") for row in rows for o in (row or []))
        cache["origins"] = origins
        return origins

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return True
        # a header sent twice arrives joined by commas: identical copies count as one,
        # differing copies as an origin nobody allows (as in the namespaces' own check)
        copies = {o.strip().rstrip("/") for o in origin.split(",")}
        if len(copies) != 1:
            return False
        origin = copies.pop()
        if origin in fixed(environ) or origin in site_origins():
            return True
        return origin in site_origins(MISS_SECONDS)

    return allowed

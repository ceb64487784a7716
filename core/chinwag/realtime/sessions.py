"""Who is behind each socket of this process; re-validated on every event (cached ~2 s)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from chinwag.ratelimit import rate_limited, window_wait
from chinwag.state import state

RECHECK_SECONDS = 2.0
#: while ``chinwag run``'s sweeper re-checks every visitor socket in one query every 2 s, the
#: per-event query is only a fallback for a sweep that fell behind
SWEPT_RECHECK_SECONDS = 6.0


@dataclass
class SocketSession:
    kind: str  # "visitor" or "agent"
    actor_id: int
    site_id: int | None
    token: str
    name: str | None = None
    checked_at: float = field(default_factory=time.monotonic)
    hits: deque[float] = field(default_factory=deque)
    #: an agent's scope (chinwag.access): the site ids they may see, None for every site
    sites: frozenset[int] | None = frozenset()

    def due(self, limit: float = RECHECK_SECONDS) -> bool:
        return time.monotonic() - self.checked_at > limit

    def hit(self, limit: int, window: float) -> None:
        """Count one event of this connection; ``rate_limited`` past ``limit`` per ``window``."""
        now = time.monotonic()
        wait = window_wait(self.hits, now, limit, window)
        if wait:
            raise rate_limited(wait, "Too many events on this connection; slow down.")
        self.hits.append(now)


def registry(app: Any = None) -> dict[str, SocketSession]:
    """The sessions of ``app``'s sockets (of the current app by default)."""
    return state(app).sockets


def sockets_of(app: Any, kind: str) -> list[tuple[str, SocketSession]]:
    return [(sid, s) for sid, s in list(registry(app).items()) if s.kind == kind]


class SocketCap:
    """At most ``limit`` Socket.IO sockets per client address in this process (``0``: no cap):
    ``CHINWAG_MAX_CONNECTIONS_PER_IP``, counted where every async mode passes (the namespaces'
    connect and disconnect), so the threading dev server and eventlet cap sockets as gevent's
    guarded server (``chinwag.http_guard``) caps its TCP connections. The address is the one
    ``CHINWAG_TRUSTED_PROXIES`` makes of the handshake (ProxyFix wraps Socket.IO too). Each
    process counts its own sockets, as each process has its own file descriptors."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._per_ip: defaultdict[str, int] = defaultdict(int)
        self._ip_of: dict[tuple[str, str], str] = {}
        self._warned: dict[str, float] = {}

    def take(self, key: tuple[str, str], ip: str) -> bool:
        """Count socket ``key`` (namespace, sid) under ``ip``; False (nothing counted) if full."""
        with self._lock:
            if key in self._ip_of:
                return True
            if self.limit and self._per_ip[ip] >= self.limit:
                return False
            self._per_ip[ip] += 1
            self._ip_of[key] = ip
            return True

    def release(self, key: tuple[str, str]) -> None:
        with self._lock:
            ip = self._ip_of.pop(key, None)
            if ip is None:
                return
            self._per_ip[ip] -= 1
            if not self._per_ip[ip]:
                del self._per_ip[ip]

    def warn_now(self, ip: str) -> bool:
        """True once a minute per refused address: a flood of refusals is one log line."""
        now = time.monotonic()
        with self._lock:
            if now - self._warned.get(ip, -60.0) < 60:
                return False
            if len(self._warned) > 10_000:
                self._warned.clear()
            self._warned[ip] = now
            return True

    def held(self, ip: str) -> int:
        with self._lock:
            return self._per_ip.get(ip, 0)

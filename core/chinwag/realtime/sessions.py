"""Who is behind each socket of this process; re-validated on every event (cached ~2 s)."""

from __future__ import annotations

import time
from collections import deque
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

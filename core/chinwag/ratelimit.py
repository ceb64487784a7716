"""Sliding-window rate limits, one limiter per app (kept in :class:`chinwag.state.ChinwagState`)."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Any

from flask import current_app

from chinwag.errors import ApiError

log = logging.getLogger(__name__)

#: a sliding window per key in a sorted set (one member per hit, scored by its time), all keys
#: in one call: one command per message instead of four per key. Every key counts the hit, even
#: when another refuses it. Returns the number of keys past their limit.
_SLIDING_WINDOW = """
local now, window, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local refused = 0
for i, key in ipairs(KEYS) do
    redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
    redis.call('ZADD', key, now, member)
    redis.call('EXPIRE', key, math.floor(window) + 1)
    if redis.call('ZCARD', key) > tonumber(ARGV[3 + i]) then
        refused = refused + 1
    end
end
return refused
"""


class RateLimiter:
    """Sliding-window limits per key; in Redis when configured (shared by processes), else in memory."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._redis: Any = None
        self._script: Any = None

    def _client(self) -> Any:
        url = current_app.config.get("CHINWAG_REDIS_URL")
        if not url:
            return None
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(url, socket_timeout=2)
            self._script = self._redis.register_script(_SLIDING_WINDOW)
        return self._redis

    def hit(self, key: str, limit: int, window: float) -> None:
        """Count one hit; raise ``rate_limited`` past ``limit`` hits per ``window`` seconds."""
        self.hit_all([(key, limit)], window)

    def hit_all(self, limits: list[tuple[str, int]], window: float) -> None:
        """Count one hit on each ``(key, limit)``; ``rate_limited`` if any is past its limit.

        With Redis, all keys go in one script call (one round trip per message, not one per key);
        every key counts the hit, even when another key refuses it."""
        client = self._client()
        if client is not None:
            prefix = current_app.config.get("CHINWAG_REDIS_CHANNEL") or "chinwag"
            now = time.time()
            try:
                refused = self._script(
                    keys=[f"{prefix}:rl:{key}" for key, _limit in limits],
                    args=[now, window, f"{now:.6f}:{secrets.token_hex(4)}"]
                    + [limit for _key, limit in limits],
                )
            except Exception as exc:  # a Redis outage must not stop chat
                log.warning("rate limit store unavailable: %r", exc)
                return
            if refused:
                raise ApiError("rate_limited", "Too many messages; slow down.", 429)
            return
        now = time.monotonic()
        with self._lock:
            for key, limit in limits:
                hits = self._hits[key]
                while hits and hits[0] <= now - window:
                    hits.popleft()
                if len(hits) >= limit:
                    raise ApiError("rate_limited", "Too many messages; slow down.", 429)
                hits.append(now)

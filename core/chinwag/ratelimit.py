"""Sliding-window rate limits, in Redis when configured (shared by every process), else in memory.

Both stores have one meaning: a key may take ``limit`` hits in any ``window`` seconds; a refused
attempt is not counted (a client that retries while refused gets in as soon as its oldest hit
leaves the window, never later), and the refusal says when that is (``retry_after_ms``). When
several keys are checked at once (a visitor and their site), a hit counts on all or on none.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from flask import current_app

from chinwag.errors import ApiError
from chinwag.store.batching import Job, Leader

log = logging.getLogger(__name__)

#: every key is checked first (expired hits dropped); if one is full, nothing is added and the
#: script returns the milliseconds until its oldest hit leaves the window; else every key gets
#: the hit (unless ARGV[4] is 0: a check only) and the script returns 0. One round trip per
#: attempt, atomic across processes.
_SLIDING_WINDOW = """
local now, window, member, count = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local wait = 0
for i, key in ipairs(KEYS) do
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    if redis.call('ZCARD', key) >= tonumber(ARGV[4 + i]) then
        local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
        local left = 1
        if oldest[2] then left = math.ceil((tonumber(oldest[2]) + window - now) * 1000) end
        if left > wait then wait = left end
    end
end
if wait > 0 or count == '0' then return wait end
for i, key in ipairs(KEYS) do
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
end
return 0
"""


def rate_limited(retry_after_ms: int, message: str = "Too many requests; slow down.") -> ApiError:
    """The one refusal of every limit: HTTP 429, code ``rate_limited``, and when to retry."""
    wait = max(1, int(retry_after_ms))
    return ApiError("rate_limited", message, 429, extra={"retry_after_ms": wait})


def window_wait(hits: deque[float], now: float, limit: int, window: float) -> int:
    """Drop hits older than ``window``; 0 if one more fits, else milliseconds until one does."""
    while hits and hits[0] <= now - window:
        hits.popleft()
    if len(hits) < limit:
        return 0
    return max(1, math.ceil((hits[0] + window - now) * 1000))


@dataclass(eq=False)
class _Attempt(Job):
    #: the script's answer: 0 (taken) or milliseconds to wait; None: Redis did not answer
    wait: int | None = None


class _ScriptCalls(Leader):
    """The script calls of concurrent attempts in one pipeline (one round trip), like the group
    commit's batches: each call is still its own atomic script, run in the order they arrived.
    Under load the per-attempt round trip was the sending process's largest cost with Redis
    (bench/realtime, PostgreSQL + Redis)."""

    FAILED = "rate limit store unavailable for %d attempts"

    def __init__(self, client: Any, script: Any) -> None:
        super().__init__()
        self.client = client
        self.script = script

    def call(self, keys: list[str], args: list[Any]) -> int | None:
        attempt = _Attempt({"keys": keys, "args": args}, None)
        self.submit(attempt)
        return attempt.wait

    def _write(self, batch: list[Job]) -> None:
        import redis

        pipe = self.client.pipeline(transaction=False)
        for job in batch:
            v = job.values
            pipe.evalsha(self.script.sha, len(v["keys"]), *v["keys"], *v["args"])
        try:
            answers = pipe.execute(raise_on_error=False)
        except Exception as exc:  # an outage: every attempt of the batch is let through
            log.warning("rate limit store unavailable: %r", exc)
            return
        for job, answer in zip(batch, answers, strict=True):
            assert isinstance(job, _Attempt)
            try:
                if isinstance(answer, redis.exceptions.NoScriptError):  # restarted, flushed
                    answer = self.script(keys=job.values["keys"], args=job.values["args"])
                elif isinstance(answer, Exception):
                    raise answer
                job.wait = int(answer)
            except Exception as exc:  # this attempt is let through
                log.warning("rate limit store unavailable: %r", exc)


class RateLimiter:
    """Sliding-window limits per key (see the module docstring for the semantics)."""

    #: keys kept in memory before idle ones are forgotten
    PRUNE_AT = 10_000

    def __init__(self, message: str = "Too many messages; slow down.") -> None:
        self.message = message
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._redis: Any = None
        self._url: str | None = None
        self._script: Any = None
        self._calls: _ScriptCalls | None = None

    def _client(self) -> Any:
        url = current_app.config.get("CHINWAG_REDIS_URL")
        if not url:
            return None
        if self._redis is None or self._url != url:
            import redis

            self._redis = redis.Redis.from_url(url, socket_timeout=2)
            self._url = url
            self._script = self._redis.register_script(_SLIDING_WINDOW)
            self._calls = _ScriptCalls(self._redis, self._script)
        return self._redis

    def hit(self, key: str, limit: int, window: float) -> None:
        """Count one hit; raise ``rate_limited`` past ``limit`` hits per ``window`` seconds."""
        self.hit_all([(key, limit)], window)

    def check_all(self, limits: list[tuple[str, int]], window: float) -> None:
        """Raise ``rate_limited`` if any key is full; count nothing (for limits on failures:
        check before the attempt, :meth:`hit_all` once it has failed)."""
        self.hit_all(limits, window, count=False)

    def hit_all(self, limits: list[tuple[str, int]], window: float, count: bool = True) -> None:
        """Count one hit on each ``(key, limit)``, or on none and raise ``rate_limited`` if any
        key is full (with Redis: one script call, one round trip)."""
        client = self._client()
        if client is not None:
            prefix = current_app.config.get("CHINWAG_REDIS_CHANNEL") or "chinwag"
            now = time.time()
            assert self._calls is not None
            # a Redis outage must not stop chat: no answer counts as allowed (and is logged)
            wait = self._calls.call(
                [f"{prefix}:rl:{key}" for key, _limit in limits],
                [now, window, f"{now:.6f}:{secrets.token_hex(4)}", int(count)]
                + [limit for _key, limit in limits],
            )
            if wait:
                raise rate_limited(wait, self.message)
            return
        now = time.monotonic()
        with self._lock:
            wait = max(window_wait(self._hits[key], now, limit, window) for key, limit in limits)
            if wait:
                raise rate_limited(wait, self.message)
            if not count:
                return
            for key, _limit in limits:
                self._hits[key].append(now)
            if len(self._hits) > self.PRUNE_AT:
                self._prune(now, window)

    def _prune(self, now: float, window: float) -> None:
        """Forget keys with no hit in the window (one per visitor or address: unbounded else)."""
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - window]:
            del self._hits[key]


def limiter(name: str, message: str) -> RateLimiter:
    """This app's limiter called ``name`` (per app, not per process: tests and several apps in
    one process never share counters)."""
    limiters: dict[str, RateLimiter] = current_app.extensions.setdefault("chinwag_limiters", {})
    if name not in limiters:
        limiters[name] = RateLimiter(message)
    return limiters[name]

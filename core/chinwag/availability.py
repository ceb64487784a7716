"""Agent availability: ``online``, ``away`` or ``offline``, per agent, shared by every server process.

- **offline**: the agent has no ``/agent`` socket open (no inbox tab) in any process;
- **away**: they chose *Away* in the inbox header, or nothing came from them for
  ``CHINWAG_AGENT_IDLE_MINUTES`` (any ``/agent`` socket event or an activity ping of the inbox
  counts; automatic away ends with their next activity);
- **online**: otherwise.

What is kept per agent: the status they chose, when they were last active (wall clock, so
:class:`chinwag.testing.FakeClock` moves it), the ids of their open ``/agent`` sockets with the
time each was last confirmed, and the status last published. With ``CHINWAG_REDIS_URL`` set this
lives in Redis (a hash and a sorted set per agent, keys prefixed with ``CHINWAG_REDIS_CHANNEL``),
so every process sees the same agents; without it, in the app's own state (one process). Each
process re-confirms its own sockets in the background sweep (every 2 s); a socket not confirmed
for :data:`SOCKET_TTL` seconds (its process died) no longer counts.

A change is published once as :class:`~chinwag_plugin_api.events.AgentAvailabilityChanged`: the
process that notices it swaps the published status atomically (a Lua script in Redis), and only
the one that saw a different previous value emits. Visitors see the result in their widget
session (:func:`site_available`): "Typically replies in a few minutes" while an agent who sees
the site is online, "We're away — leave a message" otherwise; open widgets are told when it
changes (``site.availability``, :mod:`chinwag.realtime.site_availability`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from chinwag_plugin_api.events import AgentAvailabilityChanged
from flask import Flask, current_app

from chinwag import access
from chinwag.extensions import db
from chinwag.models import User
from chinwag.state import state

log = logging.getLogger(__name__)

STATUSES = ("online", "away", "offline")
#: what an agent may choose in the inbox header
CHOICES = ("online", "away")
#: a socket whose process has not confirmed it for this long is gone
SOCKET_TTL = 60.0
#: activity is written at most this often per agent and process (socket events are frequent)
TOUCH_EVERY = 15.0
_KEY = "chinwag.availability"


@dataclass
class Record:
    """One agent's facts (see the module)."""

    manual: str = "online"
    active_at: float = 0.0
    published: str = "offline"
    sockets: dict[str, float] = field(default_factory=dict)


class Store(Protocol):
    def get(self, user_id: int) -> Record: ...
    def get_many(self, user_ids: list[int]) -> dict[int, Record]: ...
    def update(self, user_id: int, **values: Any) -> None: ...
    def add_sockets(self, user_id: int, sids: list[str], at: float) -> None: ...
    def remove_socket(self, user_id: int, sid: str) -> None: ...
    def users(self) -> set[int]: ...
    def swap_published(self, user_id: int, status: str) -> str: ...


class MemoryStore:
    """One process: the app's state."""

    def __init__(self) -> None:
        self._records: dict[int, Record] = {}
        self._lock = threading.Lock()

    def get(self, user_id: int) -> Record:
        with self._lock:
            rec = self._records.get(user_id) or Record()
            return Record(rec.manual, rec.active_at, rec.published, dict(rec.sockets))

    def get_many(self, user_ids: list[int]) -> dict[int, Record]:
        return {uid: self.get(uid) for uid in user_ids}

    def update(self, user_id: int, **values: Any) -> None:
        with self._lock:
            rec = self._records.setdefault(user_id, Record())
            for key, value in values.items():
                setattr(rec, key, value)

    def add_sockets(self, user_id: int, sids: list[str], at: float) -> None:
        with self._lock:
            self._records.setdefault(user_id, Record()).sockets.update(dict.fromkeys(sids, at))

    def remove_socket(self, user_id: int, sid: str) -> None:
        with self._lock:
            self._records.setdefault(user_id, Record()).sockets.pop(sid, None)

    def users(self) -> set[int]:
        with self._lock:
            return {
                uid
                for uid, rec in self._records.items()
                if rec.sockets or rec.published != "offline"
            }

    def swap_published(self, user_id: int, status: str) -> str:
        with self._lock:
            rec = self._records.setdefault(user_id, Record())
            old, rec.published = rec.published, status
            return old


_SWAP = """
local old = redis.call('HGET', KEYS[1], 'published')
redis.call('HSET', KEYS[1], 'published', ARGV[1])
if ARGV[1] == 'offline' then redis.call('SREM', KEYS[2], ARGV[2]) else redis.call('SADD', KEYS[2], ARGV[2]) end
return old
"""


class RedisStore:
    """Every process: ``<prefix>:avail:<id>`` (hash), ``<prefix>:avail:<id>:sockets`` (sorted
    set, score = last confirmation) and ``<prefix>:avail:users`` (who is not offline)."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, decode_responses=True)
        self.prefix = f"{prefix}:avail"
        self._swap = self.redis.register_script(_SWAP)

    def _key(self, user_id: int) -> str:
        return f"{self.prefix}:{user_id}"

    def get(self, user_id: int) -> Record:
        return self.get_many([user_id])[user_id]

    def get_many(self, user_ids: list[int]) -> dict[int, Record]:
        """Every agent's record in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for uid in user_ids:
            pipe.hgetall(self._key(uid))
            pipe.zrange(self._key(uid) + ":sockets", 0, -1, withscores=True)
        replies = pipe.execute()
        found: dict[int, Record] = {}
        for i, uid in enumerate(user_ids):
            values, sockets = replies[2 * i], replies[2 * i + 1]
            found[uid] = Record(
                values.get("manual", "online"),
                float(values.get("active_at", 0)),
                values.get("published", "offline"),
                {sid: float(at) for sid, at in sockets},
            )
        return found

    def update(self, user_id: int, **values: Any) -> None:
        self.redis.hset(self._key(user_id), mapping={k: str(v) for k, v in values.items()})

    def add_sockets(self, user_id: int, sids: list[str], at: float) -> None:
        key = self._key(user_id) + ":sockets"
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(key, dict.fromkeys(sids, at))
        pipe.zremrangebyscore(key, "-inf", at - SOCKET_TTL)
        pipe.sadd(f"{self.prefix}:users", user_id)
        pipe.execute()

    def remove_socket(self, user_id: int, sid: str) -> None:
        self.redis.zrem(self._key(user_id) + ":sockets", sid)

    def users(self) -> set[int]:
        return {int(u) for u in self.redis.smembers(f"{self.prefix}:users")}

    def swap_published(self, user_id: int, status: str) -> str:
        keys = [self._key(user_id), f"{self.prefix}:users"]
        old = self._swap(keys=keys, args=[status, user_id])
        return str(old or "offline")


def store(app: Flask | None = None) -> Store:
    """The app's store (Redis when ``CHINWAG_REDIS_URL`` is set), made on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    extras = state(app).extras
    found = extras.get(_KEY)
    if found is None:
        url = app.config.get("CHINWAG_REDIS_URL")
        prefix = app.config.get("CHINWAG_REDIS_CHANNEL") or "chinwag"
        found = extras[_KEY] = RedisStore(url, prefix) if url else MemoryStore()
    return found


def status_of(rec: Record, now: float | None = None) -> str:
    """``online``, ``away`` or ``offline`` from one agent's record (see the module)."""
    now = time.time() if now is None else now
    if not any(at > now - SOCKET_TTL for at in rec.sockets.values()):
        return "offline"
    if rec.manual == "away":
        return "away"
    idle = current_app.config["CHINWAG_AGENT_IDLE_MINUTES"] * 60
    return "away" if now - rec.active_at >= idle else "online"


def status(user_id: int) -> str:
    """One agent's availability now."""
    return status_of(store().get(user_id))


def statuses(user_ids: list[int]) -> dict[int, str]:
    """Several agents' availability now (one Redis round trip)."""
    now = time.time()
    return {uid: status_of(rec, now) for uid, rec in store().get_many(user_ids).items()}


def describe(user_id: int) -> dict[str, Any]:
    """What the inbox header shows: the status, the agent's choice and whether idleness made it away."""
    rec = store().get(user_id)
    now_status = status_of(rec)
    return {
        "status": now_status,
        "choice": rec.manual,
        "idle": now_status == "away" and rec.manual != "away",
    }


_REASONS = {"online": "active", "away": "idle", "offline": "disconnected"}


def _publish(user_id: int, reason: str | None = None) -> str:
    """Publish the agent's status if it changed since it was last published (once overall);
    ``reason`` defaults to what the new status suggests (away: idle, offline: disconnected)."""
    now_status = status(user_id)
    previous = store().swap_published(user_id, now_status)
    if previous != now_status:
        why = reason or _REASONS[now_status]
        state().bus.publish(AgentAvailabilityChanged(None, user_id, now_status, previous, why))
    return now_status


def _owners() -> dict[str, int]:
    """This process's ``/agent`` socket ids -> their agent: kept here, not read from the socket
    registry, because a revocation drops the registry entry before the socket closes."""
    owners: dict[str, int] = state().extras.setdefault(_KEY + ".owners", {})
    return owners


def connected(user_id: int, sid: str) -> None:
    """An ``/agent`` socket of the agent opened (counts as activity)."""
    _owners()[sid] = user_id
    try:
        store().add_sockets(user_id, [sid], time.time())
        _touched(user_id, force=True)
        _publish(user_id, "connected")
    except Exception:  # a Redis outage must not refuse the agent's socket
        log.warning("availability: recording a connection failed", exc_info=True)


def disconnected(sid: str) -> None:
    """An ``/agent`` socket closed (offline once it was the agent's last one)."""
    user_id = _owners().pop(sid, None)
    if user_id is None:
        return
    try:
        store().remove_socket(user_id, sid)
        _publish(user_id, "disconnected")
    except Exception:  # the sweep drops the socket later (SOCKET_TTL)
        log.warning("availability: recording a disconnection failed", exc_info=True)


def choose(user_id: int, choice: str) -> dict[str, Any]:
    """The agent chose ``online`` or ``away`` in the inbox header."""
    if choice not in CHOICES:
        raise ValueError(choice)
    values: dict[str, Any] = {"manual": choice}
    if choice == "online":
        values["active_at"] = time.time()
    store().update(user_id, **values)
    _publish(user_id, "set")
    return describe(user_id)


def _touched(user_id: int, force: bool = False) -> bool:
    """Write the agent's activity unless this process wrote it less than TOUCH_EVERY ago."""
    now = time.time()
    seen: dict[int, float] = state().extras.setdefault(_KEY + ".touched", {})
    if not force and now - seen.get(user_id, 0.0) < TOUCH_EVERY:
        return False
    seen[user_id] = now
    store().update(user_id, active_at=now)
    return True


def active(user_id: int) -> None:
    """Something came from the agent (a socket event, the inbox's activity ping); ends an
    automatic away at once (the throttle never holds back an agent idle for minutes)."""
    try:
        if _touched(user_id):
            _publish(user_id, "active")
    except Exception:  # availability must never stop an agent's action
        log.warning("availability: recording activity failed", exc_info=True)


def sweep(app: Flask) -> None:
    """Confirm this process's ``/agent`` sockets and publish what changed (idle agents become
    away, agents whose sockets vanished offline). Runs in the background loop every 2 s."""
    with app.app_context():
        mine: dict[int, list[str]] = {}
        for sid, session in list(state(app).sockets.items()):
            if session.kind == "agent":
                mine.setdefault(int(session.actor_id), []).append(sid)
        now = time.time()
        for user_id, sids in mine.items():
            store(app).add_sockets(user_id, sids, now)
        for user_id in store(app).users() | set(mine):
            _publish(user_id)


def available_sites(site_ids: list[int]) -> set[int]:
    """Those of ``site_ids`` that an online agent sees now (one look at the agents for all)."""
    known = sorted(store().users())
    online = [uid for uid, now in statuses(known).items() if now == "online"]
    if not online:
        return set()
    users = db.session.query(User).filter(User.id.in_(online), User.disabled.is_(False)).all()
    found: set[int] = set()
    for user in users:
        scope = access.compute_scope(user)
        if scope is None:
            return set(site_ids)
        found |= scope & set(site_ids)
    return found


def site_available(site_id: int) -> bool:
    """Whether an agent who sees ``site_id`` is online now (what the widget session tells)."""
    return site_id in available_sites([site_id])

"""The per-app event bus: actions hand it typed events after commit; subscribers take them from here.

Two kinds of subscriber:

- *inline* (the Socket.IO fan-out, the inbox event log): run in the publishing action, in order,
  before it returns. They are fast and must be: a client sees an event right after its ack.
- *deferred* (responders, analytics sinks, plugin listeners): run after the action returned, on a
  worker of their own, never on the socket's reader that published. Events of one *lane* (a
  conversation, or a visitor) are handled one at a time in the order published; lanes run side by
  side, so a bot that takes 200 ms to answer one conversation holds up neither the visitor's ack
  nor any other conversation. A deferred subscriber that raises is logged and counted; the
  others still run.

A worker that has drained its lane takes the next lane that waits for one, or waits a few
seconds for a new one before it ends, so a busy server reuses its workers instead of starting one
per lane. At most :data:`MAX_WORKERS` run at once: each holds a pooled database connection while
it works, and 200 visitors' lanes at once had the pool open (and close) a PostgreSQL connection
per delivery beyond its size. Under gevent's monkey-patching (``chinwag run``) the workers are
greenlets; in tests, threads.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from chinwag_plugin_api.events import Event
from flask import Flask

from chinwag.extensions import db

log = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]

#: how long a worker with nothing to do waits for a lane before it ends
IDLE_SECONDS = 5.0
#: workers of one app at once; further lanes wait for the first worker free (below the database
#: pool's 20 connections, leaving room for the sockets' own handlers)
MAX_WORKERS = 16


@dataclass
class _Subscription:
    fn: Subscriber
    names: frozenset[str] | None  # None: every event
    name: str
    #: a cheap test made at publish time: False skips the delivery (e.g. no responder enabled)
    active: Callable[[], bool] | None = None

    def wants(self, event: Event, checks: bool = True) -> bool:
        if self.names is not None and event.name not in self.names:
            return False
        return not checks or self.active is None or self.active()


@dataclass
class BusStats:
    published: int = 0
    deferred_runs: int = 0
    deferred_failures: int = 0
    last_error: str | None = None


@dataclass(eq=False)
class _Worker:
    """A worker waiting for a lane: whoever queues a new lane hands it over and wakes it."""

    wake: threading.Event = field(default_factory=threading.Event)
    lane: Hashable | None = None


@dataclass(eq=False)
class EventBus:
    """See the module. One per app (:class:`chinwag.state.ChinwagState`)."""

    inline: list[_Subscription] = field(default_factory=list)
    deferred: list[_Subscription] = field(default_factory=list)
    stats: BusStats = field(default_factory=BusStats)
    _app: Flask | None = None
    _lanes: dict[Hashable, deque[tuple[_Subscription, Event]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _idle: threading.Condition = field(init=False)
    _waiting: list[_Worker] = field(default_factory=list)
    #: lanes with events and no worker yet (every worker busy)
    _unassigned: deque[Hashable] = field(default_factory=deque)
    _workers: int = 0

    def __post_init__(self) -> None:
        self._idle = threading.Condition(self._lock)

    def bind(self, app: Flask) -> None:
        """The app whose context deferred subscribers run in."""
        self._app = app

    def subscribe(
        self,
        fn: Subscriber,
        *,
        names: tuple[str, ...] | None = None,
        deferred: bool = False,
        active: Callable[[], bool] | None = None,
        label: str | None = None,
    ) -> None:
        """Call ``fn`` with every event named in ``names`` (every event if None), inline or
        ``deferred``; ``active`` (called at publish time) can skip deliveries nobody needs."""
        sub = _Subscription(fn, frozenset(names) if names else None, label or _label(fn), active)
        (self.deferred if deferred else self.inline).append(sub)

    def publish(self, *events: Event, checks: bool = True) -> None:
        """Hand committed ``events`` to the subscribers (inline ones now, deferred ones queued).

        ``checks=False`` skips the subscriptions' ``active`` tests (a caller that may not touch
        the database, e.g. a session's ``after_commit``): the deferred subscriber then decides
        on its worker."""
        later: list[tuple[_Subscription, Event]] = []
        for event in events:
            self.stats.published += 1
            for sub in self.inline:
                if sub.wants(event, checks):
                    sub.fn(event)
            later.extend((sub, event) for sub in self.deferred if sub.wants(event, checks))
        if later:
            self._queue(later)

    # -- deferred work -------------------------------------------------------------------------

    def _queue(self, deliveries: list[tuple[_Subscription, Event]]) -> None:
        """Append every delivery of one publish to its lane under one lock: a subscriber that
        publishes while running (a bot's reply) can never slip its event's deliveries in between
        those of the event it answers, so every subscriber sees a lane's events in order."""
        spawn: list[Hashable] = []
        with self._lock:
            for sub, event in deliveries:
                lane = event.lane()
                queue = self._lanes.get(lane)
                if queue is None:
                    self._lanes[lane] = queue = deque()
                    if self._waiting:  # a new lane: to a waiting worker, else a new one
                        worker = self._waiting.pop()
                        worker.lane = lane
                        worker.wake.set()
                    elif self._workers < MAX_WORKERS:
                        self._workers += 1
                        spawn.append(lane)
                    else:  # the first worker free takes it, in the order lanes arrived
                        self._unassigned.append(lane)
                queue.append((sub, event))  # a running worker of the lane takes it in turn
        for lane in spawn:
            threading.Thread(target=self._work, args=(lane,), daemon=True).start()

    def _work(self, lane: Hashable) -> None:
        """Drain ``lane``, then the lanes waiting for a worker, then wait up to
        :data:`IDLE_SECONDS` for a new lane to drain."""
        worker = _Worker()
        while True:
            self._drain_lane(lane)
            worker.wake.clear()
            with self._lock:
                if self._unassigned:
                    lane = self._unassigned.popleft()
                    continue
                worker.lane = None
                self._waiting.append(worker)
            worker.wake.wait(IDLE_SECONDS)
            with self._lock:
                if worker.lane is None:  # nobody handed it a lane in time: it ends
                    self._waiting.remove(worker)
                    self._workers -= 1
                    return
                lane = worker.lane

    def _drain_lane(self, lane: Hashable) -> None:
        app = self._app
        while True:
            with self._lock:
                queue = self._lanes[lane]
                if not queue:
                    del self._lanes[lane]
                    self._idle.notify_all()
                    return
                sub, event = queue[0]
            try:
                if app is None:
                    sub.fn(event)
                else:
                    with app.app_context():
                        try:
                            sub.fn(event)
                        finally:
                            db.session.remove()
                self.stats.deferred_runs += 1
            except Exception as exc:  # one subscriber's failure never stops the others
                self.stats.deferred_failures += 1
                self.stats.last_error = f"{sub.name} raised {exc!r} on {event.name}"
                log.exception("event subscriber %s failed on %s", sub.name, event.name)
            with self._lock:
                queue.popleft()

    def pending(self) -> int:
        """Deferred deliveries queued or running."""
        with self._lock:
            return sum(len(q) for q in self._lanes.values())

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every deferred delivery has run (tests, an orderly shutdown)."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._lanes, timeout)


def _label(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", repr(fn))

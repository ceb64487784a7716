"""Socket.IO's Redis manager, with every publish of a moment sent in one round trip.

python-socketio publishes each emit from the emitting greenlet, one round trip each, and after a
failed publish it replaces its Redis client, subscription included (messages published meanwhile
never arrive). Here an emit only queues its packet; one greenlet publishes whatever is queued in
one pipeline, in the order emitted, on a client of its own. Local sockets still get the emit at
once, as before; other processes get it one round trip later, a batch at a time.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any
from urllib.parse import urlparse

import socketio

log = logging.getLogger(__name__)


class PipelinedRedisManager(socketio.RedisManager):  # type: ignore[misc]
    #: packets per pipeline; more wait for the next round trip
    MAX_BATCH = 500

    def initialize(self) -> None:
        super().initialize()
        self._queue: deque[str] = deque()
        self._wake = self.server.eio.create_event()
        self._publisher: Any = None
        self._pipelined = not urlparse(self.redis_url).scheme.endswith("sentinel")
        self.server.start_background_task(self._publish_forever)

    def _publish(self, data: dict[str, Any]) -> None:
        if not self._pipelined:  # Sentinel: python-socketio's own publish
            super()._publish(data)
            return
        self._queue.append(self.json.dumps(data))
        self._wake.set()

    def _publish_forever(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = [
                    self._queue.popleft() for _ in range(min(len(self._queue), self.MAX_BATCH))
                ]
                self._send(batch)

    def _send(self, batch: list[str]) -> None:
        for attempt in (1, 2):
            try:
                if self._publisher is None:
                    module = self._get_redis_module()
                    self._publisher = module.Redis.from_url(self.redis_url, **self.redis_options)
                pipe = self._publisher.pipeline(transaction=False)
                for packet in batch:
                    pipe.publish(self.channel, packet)
                pipe.execute()
                return
            except Exception as exc:  # a Redis outage must not stop this process's own delivery
                log.error(
                    "publishing %d events to Redis failed (attempt %d): %r",
                    len(batch),
                    attempt,
                    exc,
                )
                self._publisher = None
        log.error("%d events were not published to other processes", len(batch))

"""Socket.IO's Redis manager, with every publish of a moment sent in one round trip.

python-socketio publishes each emit from the emitting greenlet, one round trip each, and after a
failed publish it replaces its Redis client, subscription included (messages published meanwhile
never arrive). Here an emit only queues its packet; one greenlet publishes whatever is queued in
one pipeline, in the order emitted, on a client of its own. Local sockets still get the emit at
once, as before; other processes get it one round trip later, a batch at a time.

Every payload is signed (HMAC-SHA256 with a key derived from ``CHINWAG_SECRET_KEY``) and a
payload without a valid signature is dropped: whoever can publish to the channel without the
secret (a shared Redis, a leaked Redis password) cannot inject events into visitors' sockets.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import socketio

log = logging.getLogger(__name__)


#: wire format: ``VERSION`` + hex HMAC-SHA256 of the JSON + ``.`` + the JSON
VERSION = b"cw1."
_MAC_HEX = 64


def signing_key(secret: str) -> bytes:
    """The pub/sub key: derived from the app's secret, never the secret itself."""
    return hmac.digest(secret.encode(), b"chinwag pubsub v1", "sha256")


def sign(key: bytes, packet: str) -> bytes:
    body = packet.encode()
    return VERSION + hmac.digest(key, body, "sha256").hex().encode() + b"." + body


def verify(key: bytes, message: bytes | str) -> bytes | None:
    """The JSON of a signed payload, or None (unsigned, another key, altered)."""
    raw = message.encode() if isinstance(message, str) else message
    if (
        not raw.startswith(VERSION)
        or raw[len(VERSION) + _MAC_HEX : len(VERSION) + _MAC_HEX + 1] != b"."
    ):
        return None
    mac = raw[len(VERSION) : len(VERSION) + _MAC_HEX]
    body = raw[len(VERSION) + _MAC_HEX + 1 :]
    if not hmac.compare_digest(mac, hmac.digest(key, body, "sha256").hex().encode()):
        return None
    return body


class PipelinedRedisManager(socketio.RedisManager):  # type: ignore[misc]
    #: packets per pipeline; more wait for the next round trip
    MAX_BATCH = 500

    def __init__(self, *args: Any, signing_key: bytes, **kwargs: Any) -> None:
        self._key = signing_key
        #: called with each control payload (``method`` starting ``chinwag.``) of another process
        self.on_control: Any = None
        self._dropped = 0
        self._dropped_logged = 0.0
        super().__init__(*args, **kwargs)

    def initialize(self) -> None:
        super().initialize()
        self._queue: deque[bytes] = deque()
        self._wake = self.server.eio.create_event()
        self._publisher: Any = None
        self._pipelined = not urlparse(self.redis_url).scheme.endswith("sentinel")
        self.server.start_background_task(self._publish_forever)

    def _publish(self, data: dict[str, Any]) -> None:
        packet = sign(self._key, self.json.dumps(data))
        if not self._pipelined:  # Sentinel: one publish per emit on python-socketio's client
            self._publish_one(packet)
            return
        self._queue.append(packet)
        self._wake.set()

    def _publish_one(self, packet: bytes) -> None:
        for attempt in (1, 2):
            try:
                if not getattr(self, "connected", False):
                    self._redis_connect()
                self.redis.publish(self.channel, packet)
                return
            except Exception as exc:
                log.error("publishing to Redis failed (attempt %d): %r", attempt, exc)
                self.connected = False

    def _listen(self) -> Iterator[Any]:
        """Only payloads signed with this deployment's key reach the sockets (as dicts, which
        python-socketio takes as they are)."""
        for message in super()._listen():
            body = verify(self._key, message)
            if body is None:
                self._drop()
                continue
            try:
                data = self.json.loads(body)
            except ValueError:
                self._drop()
                continue
            method = data.get("method") if isinstance(data, dict) else None
            if isinstance(method, str) and method.startswith("chinwag."):
                if data.get("host_id") != self.host_id and self.on_control is not None:
                    try:
                        self.on_control(data)
                    except Exception:  # a bad control payload must not stop the listener
                        log.exception("control payload %r failed", method)
                continue
            yield data

    def publish_control(self, data: dict[str, Any]) -> None:
        """Send a control payload (e.g. a revocation) to every other process. python-socketio
        initialises its manager on a process's first connection: a process no socket reached
        yet (an admin's REST call) initialises it here, else the payload would be lost."""
        if not self.server.manager_initialized:
            self.server.manager_initialized = True
            self.initialize()
        self._publish({**data, "host_id": self.host_id})

    def _drop(self) -> None:
        self._dropped += 1
        now = time.monotonic()
        if now - self._dropped_logged >= 60:  # once a minute, with the count so far
            self._dropped_logged = now
            log.warning(
                "dropped %d pub/sub payload(s) without a valid signature on %r: another "
                "deployment (or a process with another CHINWAG_SECRET_KEY) publishes there, or "
                "someone injects events",
                self._dropped,
                self.channel,
            )

    def _publish_forever(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = [
                    self._queue.popleft() for _ in range(min(len(self._queue), self.MAX_BATCH))
                ]
                self._send(batch)

    def _send(self, batch: list[bytes]) -> None:
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

"""PipelinedRedisManager: emits reach Redis in the order emitted, and a failed publish is retried
on a fresh client without replacing the subscription."""

from __future__ import annotations

import threading
import time
from typing import Any

import redis
import socketio

from chinwag.realtime.pubsub import PipelinedRedisManager, signing_key, verify

KEY = signing_key("test-secret")


def _server(url: str, channel: str) -> tuple[socketio.Server, PipelinedRedisManager]:
    manager = PipelinedRedisManager(url, channel=channel, signing_key=KEY)
    server = socketio.Server(async_mode="threading", client_manager=manager)
    manager.initialize()  # python-socketio does this on the first request
    return server, manager


def _received(sub: Any, count: int, timeout: float = 10) -> list[bytes]:
    """The JSON of the next ``count`` payloads, each checked against its signature."""
    got: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        msg = sub.get_message(timeout=0.2)
        if msg and msg["type"] == "message":
            body = verify(KEY, msg["data"])
            assert body is not None, msg["data"][:80]
            got.append(body)
    return got


def test_emits_from_many_threads_reach_redis_each_in_order(
    redis_url: str, redis_channel: str
) -> None:
    listener = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(redis_channel)
    server, _manager = _server(redis_url, redis_channel)
    threads = [
        threading.Thread(
            target=lambda t=t: [
                server.emit("message.new", {"t": t, "n": n}, to="room") for n in range(200)
            ]
        )
        for t in range(4)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    got = [server.packet_class.json.loads(m) for m in _received(listener, 800)]
    assert len(got) == 800
    for t in range(4):  # every emitter's events in its own order, none twice
        assert [m["data"][0]["n"] for m in got if m["data"][0]["t"] == t] == list(range(200))


def test_a_failed_publish_is_retried_on_a_fresh_client(redis_url: str, redis_channel: str) -> None:
    listener = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(redis_channel)
    server, manager = _server(redis_url, redis_channel)
    subscription = manager.pubsub
    manager._publisher = redis.Redis.from_url("redis://127.0.0.1:1/0")  # a connection that died
    server.emit("message.new", {"n": 0}, to="room")
    server.emit("message.new", {"n": 1}, to="room")
    got = [server.packet_class.json.loads(m) for m in _received(listener, 2)]
    assert [m["data"][0]["n"] for m in got] == [0, 1]
    assert manager.pubsub is subscription  # python-socketio's own retry replaced it

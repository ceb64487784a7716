"""Rate limits (issue 21 items 3 and 4): one meaning in memory and in Redis, a refusal says when
to retry, and new visitor sessions are limited per client address and per site."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from chinwag.errors import ApiError
from chinwag.ratelimit import RateLimiter
from chinwag.testing import make_app

WINDOW = 1.5


@pytest.fixture(params=["memory", "redis"])
def store(request: Any, tmp_path: Any) -> Iterator[Any]:
    """An app whose limits live in memory, or in Redis (set after start-up: only the limiter
    reads it, the Socket.IO manager stays in-process)."""
    app = make_app(
        tmp_path,
        CHINWAG_RATE_LIMIT_SESSIONS=3,
        CHINWAG_RATE_LIMIT_SITE_SESSIONS=5,
        CHINWAG_RATE_LIMIT_MESSAGES=2,
    )
    if request.param == "redis":
        app.config["CHINWAG_REDIS_URL"] = request.getfixturevalue("redis_url")
        app.config["CHINWAG_REDIS_CHANNEL"] = f"chinwag-test-{uuid.uuid4().hex[:8]}"
    yield app


def _refusal(limiter: RateLimiter, keys: list[tuple[str, int]]) -> ApiError | None:
    try:
        limiter.hit_all(keys, WINDOW)
    except ApiError as err:
        return err
    return None


def test_a_refused_attempt_does_not_extend_the_window(store: Any) -> None:
    limiter = RateLimiter()
    with store.app_context():
        assert [_refusal(limiter, [("v:1", 3)]) for _ in range(3)] == [None] * 3
        first = _refusal(limiter, [("v:1", 3)])
        assert first is not None and first.code == "rate_limited" and first.status == 429
        wait = first.extra["retry_after_ms"]
        assert 0 < wait <= WINDOW * 1000
        # a client that keeps retrying while refused (the widget's outbox used to) ...
        retried_until = time.monotonic() + wait / 1000 * 0.6
        while time.monotonic() < retried_until:
            again = _refusal(limiter, [("v:1", 3)])
            assert again is not None and again.extra["retry_after_ms"] <= wait
            time.sleep(0.05)
        # ... gets in once the wait it was told has passed: its retries were not counted
        time.sleep(wait / 1000 * 0.45)
        assert _refusal(limiter, [("v:1", 3)]) is None


def test_several_keys_count_a_hit_on_all_or_none(store: Any) -> None:
    limiter = RateLimiter()
    with store.app_context():
        assert _refusal(limiter, [("v:a", 1), ("s:1", 10)]) is None
        # the visitor is full: the site does not count the refused attempt
        assert _refusal(limiter, [("v:a", 1), ("s:1", 10)]) is not None
        for i in range(9):
            assert _refusal(limiter, [(f"v:b{i}", 1), ("s:1", 10)]) is None, i
        # the site is full now: exactly 10 hits were counted on it
        err = _refusal(limiter, [("v:c", 1), ("s:1", 10)])
        assert err is not None and err.code == "rate_limited"
        assert _refusal(limiter, [("v:c", 1), ("s:2", 10)]) is None  # v:c was not counted


def _session(client: Any, site_key: str, addr: str) -> Any:
    return client.post(
        "/api/v1/widget/session",
        json={"site_key": site_key},
        headers={"Origin": "https://shop.example"},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_new_visitor_sessions_are_limited_per_address_and_per_site(store: Any) -> None:
    from chinwag.api.sites import create_site

    with store.app_context():
        site = create_site("Limits", ["https://shop.example"]).site_key
    client = store.test_client()
    codes = [_session(client, site, "198.51.100.7").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = _session(client, site, "198.51.100.7")
    body = refused.get_json()["error"]
    assert body["code"] == "rate_limited" and 0 < body["retry_after_ms"] <= 60_000
    assert int(refused.headers["Retry-After"]) == -(-body["retry_after_ms"] // 1000)
    # another address still gets in, until the site's own limit (5 a minute here)
    assert _session(client, site, "198.51.100.8").status_code == 200
    assert _session(client, site, "198.51.100.9").status_code == 200
    res = _session(client, site, "198.51.100.10")
    assert res.status_code == 429 and res.get_json()["error"]["code"] == "rate_limited"


def test_a_rate_limited_message_ack_says_when_to_retry(store: Any) -> None:
    from chinwag.api.sites import create_site
    from chinwag.state import state

    with store.app_context():
        site = create_site("Acks", ["https://shop.example"]).site_key
    session = _session(store.test_client(), site, "198.51.100.20").get_json()
    sock = (
        state(store)
        .server()
        .test_client(
            store,
            namespace="/widget",
            auth={"site_key": site, "visitor_token": session["visitor_token"]},
            headers={"Origin": "https://shop.example"},
        )
    )
    acks = [
        sock.emit(
            "message.send",
            {"client_msg_id": f"m{i}", "text": "hi"},
            namespace="/widget",
            callback=True,
        )
        for i in range(3)
    ]
    assert [a["ok"] for a in acks] == [True, True, False]
    error = acks[2]["error"]
    assert error["code"] == "rate_limited" and 0 < error["retry_after_ms"] <= 10_000
    sock.disconnect(namespace="/widget")


def test_concurrent_attempts_on_redis_share_a_round_trip_and_count_exactly(
    tmp_path: Any, redis_url: str, redis_channel: str
) -> None:
    """Attempts that arrive while one is at Redis go in the next pipeline together; each is
    still its own atomic check, so exactly ``limit`` get in."""
    import threading

    from chinwag.ratelimit import _ScriptCalls

    app = make_app(tmp_path, CHINWAG_REDIS_URL=redis_url, CHINWAG_REDIS_CHANNEL=redis_channel)
    limiter = RateLimiter()
    attempts, limit = 8, 5
    sizes: list[int] = []
    original = _ScriptCalls._write

    def write(self: Any, batch: list[Any]) -> None:
        if not sizes:  # the first leader waits until every other attempt is queued
            deadline = time.monotonic() + 10
            while len(self._pending) < attempts - 1 and time.monotonic() < deadline:
                time.sleep(0.01)
        sizes.append(len(batch))
        original(self, batch)

    outcomes: list[ApiError | None] = []

    def attempt() -> None:
        with app.app_context():
            outcomes.append(_refusal(limiter, [("v:many", limit)]))

    with app.app_context():  # the client and its script, before the threads race
        assert _refusal(limiter, [("v:warm", 1)]) is None
    original_write = _ScriptCalls._write
    _ScriptCalls._write = write  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=attempt) for _ in range(attempts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    finally:
        _ScriptCalls._write = original_write  # type: ignore[method-assign]
    assert sizes == [1, attempts - 1]
    refused = [o for o in outcomes if o is not None]
    assert len(outcomes) == attempts and len(refused) == attempts - limit
    assert all(o.code == "rate_limited" and o.extra["retry_after_ms"] > 0 for o in refused)


def test_redis_losing_the_script_or_going_away_never_stops_chat(
    tmp_path: Any, redis_url: str, redis_channel: str
) -> None:
    app = make_app(tmp_path, CHINWAG_REDIS_URL=redis_url, CHINWAG_REDIS_CHANNEL=redis_channel)
    limiter = RateLimiter()
    with app.app_context():
        assert _refusal(limiter, [("v:s", 2)]) is None
        limiter._script.sha = "0" * 40  # as after a restart or SCRIPT FLUSH: loaded again
        assert _refusal(limiter, [("v:s", 2)]) is None
        assert _refusal(limiter, [("v:s", 2)]) is not None  # both hits were counted
        app.config["CHINWAG_REDIS_URL"] = "redis://127.0.0.1:1/0"  # unreachable: allowed
        assert _refusal(limiter, [("v:s", 2)]) is None

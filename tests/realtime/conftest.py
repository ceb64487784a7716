"""Fixtures of the real-time tests (helpers in realtime_helpers.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from realtime_helpers import prepare_server

from chinwag.testing import LiveServer


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: Any) -> Iterator[LiveServer]:
    """One gevent server on SQLite for the tests of a module that do not disturb each other.
    Small limits so that the limit tests stay short: 10 messages / 10 s per visitor, a
    100 kB Engine.IO buffer."""
    server = prepare_server(
        tmp_path_factory.mktemp("shared"),
        CHINWAG_RATE_LIMIT_MESSAGES="10",
        CHINWAG_MAX_HTTP_BUFFER="100000",
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pair(tmp_path: Any, pg_url: str, redis_url: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two `chinwag run` on one PostgreSQL database and one Redis message queue (a private
    channel), each with a site of its own."""
    env = {
        "CHINWAG_REDIS_URL": redis_url,
        "CHINWAG_REDIS_CHANNEL": f"chinwag-test-{uuid.uuid4().hex[:8]}",
        "CHINWAG_DATABASE_URL": pg_url,
    }
    first = prepare_server(tmp_path / "a", **env)
    second = prepare_server(tmp_path / "b", **env)
    first.start()
    second.start()
    yield first, second
    first.stop()
    second.stop()

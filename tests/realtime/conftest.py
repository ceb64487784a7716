"""Fixtures of the real-time tests (helpers in realtime_helpers.py)."""

from __future__ import annotations

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

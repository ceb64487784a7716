"""Fixtures of the media plugin's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from media_testkit import make_video


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory: Any) -> bytes:
    video: bytes = make_video(tmp_path_factory.mktemp("video") / "sample.mp4")
    return video


@pytest.fixture
def visitor(visitor_session: Any, demo_site: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """A new visitor: ``{"token", "id", "headers"}`` (Authorization: Visitor <token>)."""

    def start() -> dict[str, Any]:
        s = visitor_session()
        return {
            "token": s["visitor_token"],
            "id": s["visitor_id"],
            "headers": {"Authorization": f"Visitor {s['visitor_token']}"},
            "auth": {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]},
        }

    return start

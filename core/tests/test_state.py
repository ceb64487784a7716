"""Per-app state: two apps in one process share no room, rate limit, writer or event bus."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from chinwag.extensions import db
from chinwag.state import state
from chinwag.testing import make_app


def _visitor_socket(app: Any) -> Any:
    from chinwag.api.sites import create_site

    with app.app_context():
        site = create_site("Shop", ["https://shop.example"])
        key = site.site_key
    res = app.test_client().post(
        "/api/v1/widget/session", json={"site_key": key}, headers={"Origin": "https://shop.example"}
    )
    assert res.status_code == 200, res.get_json()
    auth = {"site_key": key, "visitor_token": res.get_json()["visitor_token"]}
    client = state(app).server().test_client(app, namespace="/widget", auth=auth)
    assert client.is_connected("/widget")
    return client


def _send(client: Any, text: str, conversation_id: int | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"client_msg_id": "m-" + text.replace(" ", "-"), "text": text}
    if conversation_id is not None:
        payload["conversation_id"] = conversation_id
    ack: dict[str, Any] = client.emit("message.send", payload, namespace="/widget", callback=True)
    return ack


@pytest.fixture
def two_apps(tmp_path: Any) -> Iterator[tuple[Any, Any]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    apps = (
        make_app(tmp_path / "a", CHINWAG_RATE_LIMIT_MESSAGES=2),
        make_app(tmp_path / "b", CHINWAG_RATE_LIMIT_MESSAGES=2),
    )
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_each_app_has_its_own_state(two_apps: tuple[Any, Any]) -> None:
    a, b = (state(app) for app in two_apps)
    for part in ("socketio", "bus", "limiter", "group_commit", "sqlite_writer", "sockets"):
        assert getattr(a, part) is not getattr(b, part), part
    assert a.server().server is not b.server().server


def test_rooms_are_not_shared(two_apps: tuple[Any, Any]) -> None:
    """Both databases number their first visitor 1: with one Socket.IO server for the process,
    app B's visitor 1 would receive app A's visitor 1's messages."""
    client_a, client_b = (_visitor_socket(app) for app in two_apps)
    client_b.get_received("/widget")
    ack = _send(client_a, "hello from a")
    assert ack["ok"], ack
    assert [p["name"] for p in client_a.get_received("/widget")] == ["message.new"]
    assert client_b.get_received("/widget") == []


def test_rate_limits_are_not_shared(two_apps: tuple[Any, Any]) -> None:
    client_a, client_b = (_visitor_socket(app) for app in two_apps)
    first = _send(client_a, "one")
    conv = first["conversation"]["id"]
    assert _send(client_a, "two", conv)["ok"]
    refused = _send(client_a, "three", conv)
    assert refused["error"]["code"] == "rate_limited"
    assert _send(client_b, "one")["ok"]  # visitor 1 of the other app has sent nothing


def test_writers_are_not_shared(two_apps: tuple[Any, Any]) -> None:
    """While app A's SQLite writer is held, app B still stores messages."""
    app_a, app_b = two_apps
    client_b = _visitor_socket(app_b)
    conv = _send(client_b, "first")["conversation"]["id"]
    acks: list[dict[str, Any]] = []
    with state(app_a).sqlite_writer:
        sender = threading.Thread(target=lambda: acks.append(_send(client_b, "second", conv)))
        sender.start()
        sender.join(20)
        assert not sender.is_alive(), "app B waited for app A's writer"
    assert acks[0]["ok"], acks
    assert acks[0]["message"]["seq"] == 2

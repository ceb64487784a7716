"""Revocation on the next event (issue 21 item 6), against a real `chinwag run`: a disabled agent
and the anonymous visitors of a site that starts enforcing identity lose their sockets at once
(there was a 2 s window, and anonymous tokens stayed valid for 24 h)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio
from realtime_helpers import admin_token, agent_socket, new_visitor, prepare_server, visitor_socket

from chinwag.testing import LiveServer, run_cli


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[LiveServer]:
    live = prepare_server(tmp_path_factory.mktemp("revocation"))
    live.start()
    yield live
    live.stop()


def _agent(server: LiveServer) -> tuple[int, str]:
    email = f"agent-{uuid.uuid4().hex[:8]}@example.com"
    run_cli(server.env, "users", "create", "--email", email, "--password", "agent password 1")
    res = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": email, "password": "agent password 1"},
        timeout=10,
    )
    token = str(res.json()["access_token"])
    me = requests.get(
        f"{server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return int(me.json()["id"]), token


def _next_event(sock: Any, event: str, payload: Any) -> str:
    """The outcome of one event sent right now: ``ok``, an error code, or ``dropped``."""
    try:
        res = sock.call(event, payload, timeout=10)
    except socketio.exceptions.SocketIOError:
        return "dropped"
    return "ok" if res["ok"] else str(res["error"]["code"])


def test_a_disabled_agent_is_refused_on_the_next_event(server: LiveServer) -> None:
    user_id, token = _agent(server)
    agent = agent_socket(server, token)
    assert _next_event(agent, "inbox.sync", {"after_event_id": 0}) == "ok"  # freshly re-checked
    res = requests.patch(
        f"{server.url}/api/v1/users/{user_id}",
        json={"disabled": True},
        headers={"Authorization": f"Bearer {admin_token(server)}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    assert _next_event(agent, "inbox.sync", {"after_event_id": 0}) != "ok"
    assert agent.disconnected.wait(10)
    assert {"code": "token_revoked"} in agent.received("session.revoked")


def test_enforcing_identity_ends_anonymous_sessions(server: LiveServer) -> None:
    session = new_visitor(server)
    visitor = visitor_socket(server, session)
    assert _next_event(visitor, "conversation.list", {}) == "ok"
    site = server.extra["site"]
    res = requests.patch(
        f"{server.url}/api/v1/sites/{site['id']}",
        json={"identity_required": True},
        headers={"Authorization": f"Bearer {admin_token(server)}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    try:
        assert _next_event(visitor, "conversation.list", {}) != "ok"
        assert visitor.disconnected.wait(10)
        assert {"code": "identity_required"} in visitor.received("session.revoked")
        # the old token opens nothing any more
        again = visitor_socket(server, session)
        assert not again.client.connected
        rest = requests.get(
            f"{server.url}/api/v1/conversations",
            headers={"Authorization": f"Visitor {session['visitor_token']}"},
            timeout=10,
        )
        assert rest.status_code == 401
    finally:
        requests.patch(
            f"{server.url}/api/v1/sites/{site['id']}",
            json={"identity_required": False},
            headers={"Authorization": f"Bearer {admin_token(server)}"},
            timeout=10,
        )

"""The per-address socket cap (``CHINWAG_MAX_CONNECTIONS_PER_IP``) in every async mode `chinwag
run` serves with: the threading dev server, eventlet and gevent. Real python-socketio clients
over real sockets: the socket over the cap gets ``connect_error`` with ``too_many_connections``,
a refused handshake holds no place, a closed socket gives its place back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from realtime_helpers import (
    Sock,
    admin_token,
    new_visitor,
    prepare_server,
    refusal_code,
    visitor_socket,
    wait_for,
)

from chinwag.testing import LiveServer

CAP = 3


@pytest.fixture(params=["threading", "eventlet", "gevent"])
def capped(request: Any, tmp_path: Any) -> Iterator[LiveServer]:
    server = prepare_server(
        tmp_path / request.param,
        CHINWAG_ASYNC_MODE=request.param,
        CHINWAG_MAX_CONNECTIONS_PER_IP=str(CAP),
    )
    server.start()
    yield server
    server.stop()


def _two_namespaces(server: LiveServer, visitor: dict[str, Any], token: str) -> socketio.Client:
    """One client, one connection, two sockets (``/widget`` and ``/agent``): under gevent the
    connection cap counts one, the socket cap two."""
    client = socketio.Client(reconnection=False)
    site = server.extra["site"]
    client.connect(
        server.url,
        namespaces=["/widget", "/agent"],
        auth={
            "site_key": site["site_key"],
            "visitor_token": visitor["visitor_token"],
            "token": token,
        },
        headers={"Origin": server.url},
        transports=["websocket"],
        wait_timeout=10,
    )
    return client


def test_one_address_holds_at_most_the_cap_of_sockets(capped: LiveServer) -> None:
    server = capped
    visitors = [new_visitor(server) for _ in range(4)]  # REST first: no request in flight later
    token = admin_token(server)
    opened: list[Any] = []
    try:
        pair = _two_namespaces(server, visitors[0], token)
        opened.append(pair)
        assert set(pair.namespaces) == {"/widget", "/agent"}
        # refused handshakes hold no place
        for _ in range(CAP + 1):
            bad = visitor_socket(server, {"visitor_token": "not-a-token"})
            assert refusal_code(bad) == "token_invalid", bad.connect_error
            bad.close()
        third = visitor_socket(server, visitors[1])
        opened.append(third)
        assert third.connect_error is None and third.call("conversation.list")["ok"]

        over = visitor_socket(server, visitors[2])
        opened.append(over)
        assert refusal_code(over) == "too_many_connections", over.connect_error
        assert "too many connections" in str(over.connect_error.get("message"))
        assert not over.client.connected

        # the sockets within the cap are untouched, and a closed one gives its place back
        assert pair.call("conversation.list", {}, namespace="/widget", timeout=15)["ok"]
        third.close()
        again: Sock | None = None

        def reconnected() -> bool:
            nonlocal again
            if again is not None:
                again.close()
            again = visitor_socket(server, visitors[3])
            return again.connect_error is None

        wait_for(reconnected)  # the server counts the disconnect when it reads it
        assert again is not None and again.connect_error is None
        opened.append(again)
        assert again.call("conversation.list")["ok"]
    finally:
        for sock in opened:
            sock.disconnect() if isinstance(sock, socketio.Client) else sock.close()

"""``CHINWAG_TRUSTED_PROXIES``: at 0 a client's ``X-Forwarded-For`` changes nothing (it could
choose its own address); at 1 the address the proxy forwards is the client's for REST (audit,
limits), for Socket.IO and for the per-address connection cap of `chinwag run`."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from chinwag.state import state
from chinwag.testing import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer, make_app

FORWARDED = "203.0.113.7"


def _signin_address(server: LiveServer, forwarded: str) -> str:
    """Fail one sign-in claiming ``forwarded``; the address its audit entry recorded."""
    wrong = {"email": "nobody@example.com", "password": "wrong password"}
    res = requests.post(
        f"{server.url}/api/v1/auth/login",
        json=wrong,
        headers={"X-Forwarded-For": forwarded},
        timeout=10,
    )
    assert res.status_code == 401, res.text
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    token = requests.post(f"{server.url}/api/v1/auth/login", json=login, timeout=10).json()
    res = requests.get(
        f"{server.url}/api/v1/audit",
        params={"action": "auth.sign_in_failed"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return str(res.json()["entries"][0]["details"]["address"])


def _held(server: LiveServer, forwarded: str) -> tuple[socket.socket, int]:
    """A keep-alive connection from 127.0.0.2 (its own count, apart from the sign-ins' and the
    start-up probe's 127.0.0.1) that asked for /healthz claiming ``forwarded``: its status."""
    sock = socket.create_connection(
        ("127.0.0.1", server.port), timeout=30, source_address=("127.0.0.2", 0)
    )
    sock.sendall(
        f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: {forwarded}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return sock, int(head.split(b" ", 2)[1])


@pytest.mark.parametrize("hops", [0, 1])
def test_forwarded_addresses_count_only_behind_trusted_proxies(
    live_server: Callable[..., LiveServer], hops: int
) -> None:
    server = live_server(CHINWAG_TRUSTED_PROXIES=str(hops), CHINWAG_MAX_CONNECTIONS_PER_IP="2")
    assert _signin_address(server, FORWARDED) == (FORWARDED if hops else "127.0.0.1")

    held = [_held(server, "198.51.100.1") for _ in range(2)]
    try:
        assert [status for _sock, status in held] == [200, 200]
        same, same_status = _held(server, "198.51.100.1")
        other, other_status = _held(server, "198.51.100.2")
        same.close()
        other.close()
        # at 0 every connection is the TCP peer's (full); at 1 each forwarded client has its own
        assert (same_status, other_status) == ((503, 200) if hops else (503, 503))
    finally:
        for sock, _status in held:
            sock.close()


@pytest.mark.parametrize("hops", [0, 1])
def test_socketio_sees_the_same_client_address(tmp_path: Path, hops: int) -> None:
    """The Engine.IO handshake goes through the same WSGI stack: its session's address (what
    Socket.IO handlers read as ``request.remote_addr``) follows the setting too."""
    app = make_app(tmp_path, CHINWAG_TRUSTED_PROXIES=hops)
    client = app.test_client()
    res = client.get(
        "/socket.io/?EIO=4&transport=polling",
        headers={"X-Forwarded-For": FORWARDED},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert res.status_code == 200, res.data
    body = res.get_data(as_text=True)
    sid = json.loads(body[body.index("{") :])["sid"]
    # python-socketio keeps each Engine.IO session's environ: its namespaces' handlers run with it
    environ: dict[str, Any] = state(app).server().server.environ[sid]
    assert environ["REMOTE_ADDR"] == (FORWARDED if hops else "10.0.0.1")

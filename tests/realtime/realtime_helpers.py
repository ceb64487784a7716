"""Helpers of the real-time tests: a prepared `chinwag run`, and small clients that speak the
protocol over real sockets (python-socketio, websocket transport)."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import socketio
import websocket

from chinwag.testing import TEST_LIMITS, LiveServer, free_port, run_cli

# websocket-client waits up to 3 s for the server's answer to its close frame, which the gevent
# server does not send before it drops the TCP connection; tests need not wait for it
_ws_close = websocket.WebSocket.close


def _quick_close(self: Any, status: int = 1000, reason: bytes = b"", timeout: float = 3) -> None:
    _ws_close(self, status, reason, timeout=min(timeout, 0.2))


websocket.WebSocket.close = _quick_close  # type: ignore[method-assign]

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery"


def prepare_server(inst: Path, port: int | None = None, **env: str) -> LiveServer:
    """A migrated `chinwag run` with an admin and a site allowing its own origin (not started)."""
    inst.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    full = {
        **os.environ,
        "CHINWAG_INSTANCE_PATH": str(inst),
        "CHINWAG_DATABASE_URL": f"sqlite:///{inst}/chinwag.db",
        "CHINWAG_ASYNC_MODE": "gevent",
        "CHINWAG_SECRET_KEY": "live-test-secret-key-long-enough-for-hs256",
        "CHINWAG_PLUGIN_REFRESH_SECONDS": "0.5",
        "CHINWAG_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **TEST_LIMITS,
        **env,
    }
    server = LiveServer(full, port, inst / "server.log")
    run_cli(full, "db", "upgrade")
    with contextlib.suppress(AssertionError):  # a shared database may have the admin already
        run_cli(
            full,
            "users",
            "create",
            "--email",
            ADMIN_EMAIL,
            "--password",
            ADMIN_PASSWORD,
            "--role",
            "admin",
        )
    out = run_cli(
        full, "sites", "create", "--name", "Live", "--origin", f"http://127.0.0.1:{port}", "--json"
    )
    server.extra["site"] = json.loads(out.stdout)
    return server


# -- clients ------------------------------------------------------------------------------------


def visitor_session(
    server: LiveServer, site: dict[str, Any] | None = None, origin: str | None = "own", **body: Any
) -> requests.Response:
    site = site or server.extra["site"]
    headers = {"Origin": server.url if origin == "own" else origin} if origin else {}
    return requests.post(
        f"{server.url}/api/v1/widget/session",
        json={"site_key": site["site_key"], **body},
        headers=headers,
        timeout=10,
    )


def new_visitor(server: LiveServer, **body: Any) -> dict[str, Any]:
    res = visitor_session(server, **body)
    assert res.status_code == 200, res.text
    return dict(res.json())


def admin_token(server: LiveServer) -> str:
    res = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return str(res.json()["access_token"])


@dataclass
class Sock:
    """A python-socketio client on one namespace that records what it receives."""

    client: socketio.Client
    namespace: str
    events: list[tuple[str, Any]] = field(default_factory=list)
    connect_error: Any = None
    disconnected: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, event: str, data: Any = None, timeout: float = 15) -> Any:
        return self.client.call(event, data, namespace=self.namespace, timeout=timeout)

    def received(self, name: str) -> list[Any]:
        with self.lock:
            return [d for n, d in self.events if n == name]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.disconnect()


def connect(
    server: LiveServer, namespace: str, auth: dict[str, Any] | None, origin: str | None = "own"
) -> Sock:
    """Connect; on refusal the returned Sock has ``connect_error`` set (``{message, data}``)."""
    client = socketio.Client(reconnection=False)
    sock = Sock(client, namespace)

    @client.on("*", namespace=namespace)
    def any_event(event: str, *args: Any) -> None:
        with sock.lock:
            sock.events.append((event, args[0] if args else None))

    @client.on("connect_error", namespace=namespace)
    def on_error(data: Any) -> None:
        sock.connect_error = data if data is not None else {"message": "refused"}

    @client.on("disconnect", namespace=namespace)
    def on_disconnect(*_args: Any) -> None:
        sock.disconnected.set()

    headers = {"Origin": server.url if origin == "own" else origin} if origin else {}
    try:
        client.connect(
            server.url,
            namespaces=[namespace],
            auth=auth,
            headers=headers,
            transports=["websocket"],
            wait_timeout=10,
        )
    except socketio.exceptions.ConnectionError as exc:
        if sock.connect_error is None:
            sock.connect_error = {"message": str(exc)}
    return sock


def visitor_socket(
    server: LiveServer,
    session: dict[str, Any],
    origin: str | None = "own",
    site: dict[str, Any] | None = None,
) -> Sock:
    site = site or server.extra["site"]
    return connect(
        server,
        "/widget",
        {"site_key": site["site_key"], "visitor_token": session["visitor_token"]},
        origin,
    )


def agent_socket(server: LiveServer, token: str, origin: str | None = "own") -> Sock:
    return connect(server, "/agent", {"token": token}, origin)


def refusal_code(sock: Sock) -> str | None:
    err = sock.connect_error or {}
    data = err.get("data") if isinstance(err, dict) else None
    return data.get("code") if isinstance(data, dict) else None


def wait_for(condition: Any, timeout: float = 15) -> None:
    """Poll until ``condition()`` holds: events published through Redis arrive asynchronously.
    The deadline only bounds a hang; what the test asserts comes after."""
    import time

    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        time.sleep(0.05)

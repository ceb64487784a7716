"""gevent's HTTP server, guarded against clients that hold connections open (docs/security.md).

- A request's line, headers and body must arrive within ``CHINWAG_REQUEST_TIMEOUT_SECONDS`` of
  its start (an idle keep-alive connection gets the same time for its next request): a client
  that claims a large ``Content-Length`` and sends nothing is answered ``408`` and cut off, where
  it used to hold its connection (and a file descriptor) for ever.
- One client address may hold ``CHINWAG_MAX_CONNECTIONS_PER_IP`` connections at once; the next
  is answered ``503`` and closed at once, so one address cannot exhaust the open-file limit.
- The process holds ``CHINWAG_MAX_CONNECTIONS`` connections in all (by default derived from the
  open-file limit, keeping some for the database, Redis and files): many addresses together
  cannot exhaust it either, and the server answers again as soon as connections end.
- Behind ``CHINWAG_TRUSTED_PROXIES`` hops every connection comes from a proxy: the cap then
  counts the client address the proxies forward (``X-Forwarded-For``, as ProxyFix reads it),
  taken from each request's headers, instead of the TCP peer.
- A request line (method, path and query) longer than gevent reads (8 KB) is answered ``414
  uri_too_long``, a request line or header gevent cannot parse ``400 malformed_request``, in
  the JSON error shape of every other refusal (gevent's own answers had no body).
- A WebSocket is exempt once upgraded (Engine.IO pings it), and its connection is closed when
  the WebSocket ends: gevent used to read the client's close frame as a new HTTP request and log
  ``Invalid HTTP method: '\\x88...'`` for every normal disconnect.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import time
from collections import defaultdict
from typing import Any

import gevent
from gevent import pywsgi

from chinwag.errors import ClientTimeout

log = logging.getLogger("chinwag.server")


def _response(status: str, code: str, message: str, extra: str = "") -> bytes:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


TIMEOUT_RESPONSE = _response(
    "408 Request Timeout", "request_timeout", "The request did not arrive in time."
)
TOO_LARGE_RESPONSE = _response(
    "413 Content Too Large",
    "payload_too_large",
    "The body is larger than this server accepts (CHINWAG_MAX_HTTP_BUFFER).",
)
BUSY_RESPONSE = _response(
    "503 Service Unavailable",
    "too_many_connections",
    "This address holds too many connections; close some and retry.",
    "Retry-After: 1\r\n",
)
URI_TOO_LONG_RESPONSE = _response(
    "414 URI Too Long",
    "uri_too_long",
    f"The request line is longer than this server reads ({pywsgi.MAX_REQUEST_LINE} bytes).",
)
MALFORMED_RESPONSE = _response(
    "400 Bad Request",
    "malformed_request",
    "The request line or a header cannot be read.",
)
#: gevent's own refusals (empty bodies) by status, and what is answered instead
_PARSER_REFUSALS = {"414": URI_TOO_LONG_RESPONSE, "400": MALFORMED_RESPONSE}
FULL_RESPONSE = _response(
    "503 Service Unavailable",
    "too_many_connections",
    "This server holds as many connections as it can; retry shortly.",
    "Retry-After: 1\r\n",
)


class _DeadlineReader:
    """The connection's buffered reader; every read ends by the current request's deadline."""

    def __init__(self, rfile: Any, handler: GuardedHandler) -> None:
        self._rfile = rfile
        self._handler = handler
        #: werkzeug turns a failed read into "no body"; ``errors.body_timed_out`` tells why
        self.timed_out = False

    def _bounded(self, method: str, *args: Any) -> Any:
        left = self._handler.deadline - time.monotonic()
        try:
            if left <= 0:
                raise ClientTimeout("the request did not arrive in time")
            with gevent.Timeout(left, ClientTimeout("the request did not arrive in time")):
                return getattr(self._rfile, method)(*args)
        except ClientTimeout:
            self._handler.timed_out = self.timed_out = True
            raise

    def read(self, *args: Any) -> Any:
        return self._bounded("read", *args)

    def readline(self, *args: Any) -> Any:
        return self._bounded("readline", *args)

    def readinto(self, *args: Any) -> Any:
        return self._bounded("readinto", *args)

    def peek(self, *args: Any) -> Any:
        return self._bounded("peek", *args)

    def __getattr__(self, name: str) -> Any:  # closed, close, raw (simple-websocket's way in)
        return getattr(self._rfile, name)


def forwarded_client(environ: dict[str, Any], hops: int) -> str:
    """The client address ``hops`` trusted proxies forwarded (werkzeug's ProxyFix rule: the
    ``hops``-th value of ``X-Forwarded-For`` from the right), else the TCP peer's."""
    values = [v.strip() for v in (environ.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    if hops > 0 and len(values) >= hops and values[-hops]:
        return values[-hops]
    return str(environ.get("REMOTE_ADDR") or "")


class GuardedHandler(pywsgi.WSGIHandler):  # type: ignore[misc]
    deadline = 0.0
    timed_out = False
    #: behind trusted proxies: the forwarded address this connection is counted under
    counted_ip: str | None = None

    def handle(self) -> Any:
        try:
            return super().handle()
        finally:
            if self.counted_ip is not None:
                self.server.release(self.counted_ip)
                self.counted_ip = None

    def _over_forwarded_cap(self) -> bool:
        """Count this connection under its forwarded client; True if that client is full."""
        ip = forwarded_client(self.environ, self.server.trusted_proxies)
        if ip == self.counted_ip:
            return False
        if self.counted_ip is not None:
            self.server.release(self.counted_ip)
            self.counted_ip = None
        if not self.server.take(ip):
            return True
        self.counted_ip = ip
        return False

    def handle_one_request(self) -> Any:
        self.deadline = time.monotonic() + self.server.request_timeout
        self.timed_out = False
        reader: Any = getattr(self, "rfile")  # noqa: B009 - gevent sets it untyped
        if not isinstance(reader, _DeadlineReader):
            reader = self.rfile = _DeadlineReader(reader, self)
        reader.timed_out = False
        result = super().handle_one_request()
        if self.timed_out and result is True:
            return None  # what is left of a request that came too late cannot be parsed
        if isinstance(result, tuple) and result[0] in _PARSER_REFUSALS:
            return (result[0], _PARSER_REFUSALS[result[0]])
        return result

    def read_requestline(self) -> Any:
        try:
            return super().read_requestline()
        except ClientTimeout:
            return ""  # an idle keep-alive connection: close it quietly

    def handle_one_response(self) -> None:
        if self.server.trusted_proxies and self.server.max_per_ip and self._over_forwarded_cap():
            with contextlib.suppress(OSError):
                self.socket.sendall(BUSY_RESPONSE)
            self.close_connection = True
            return
        upgrade = (self.environ.get("HTTP_UPGRADE") or "").lower() == "websocket"
        if upgrade:
            self.deadline = float("inf")  # Engine.IO's pings watch an open WebSocket
        elif self.command == "POST" and self.environ.get("PATH_INFO", "").startswith("/socket.io/"):
            refusal = self._read_polling_body()
            if refusal is not None:
                with contextlib.suppress(OSError):
                    self.socket.sendall(refusal)
                self.close_connection = True
                return
        super().handle_one_response()
        if upgrade or self.timed_out:
            # the socket is the WebSocket's until it closes; what follows is no HTTP request
            self.close_connection = True

    def _read_polling_body(self) -> bytes | None:
        """Read an Engine.IO long-polling body here, by the deadline, or refuse it.

        Engine.IO refuses a body over its buffer by closing the session and waiting for a
        poll that never comes (the connection was held for ever), and it logs a read that
        times out as its own error; it gets the body in memory instead, or no request."""
        length = self.content_length
        try:
            size = int(length) if length else 0
        except ValueError:
            size = -1
        if size < 0 or size > self.server.max_polling_body:
            return TOO_LARGE_RESPONSE
        try:
            body = self.wsgi_input.read(size) if size else b""
        except ClientTimeout:
            log.debug("long-polling body from %s timed out", self.client_address)
            return TIMEOUT_RESPONSE
        self.environ["wsgi.input"] = io.BytesIO(body)
        return None

    def _handle_client_error(self, ex: BaseException) -> Any:
        if isinstance(ex, ClientTimeout):
            log.debug("request from %s timed out", self.client_address)
            return ("408", TIMEOUT_RESPONSE)
        return super()._handle_client_error(ex)


class GuardedServer(pywsgi.WSGIServer):  # type: ignore[misc]
    handler_class = GuardedHandler

    def __init__(
        self,
        *args: Any,
        request_timeout: float,
        max_per_ip: int,
        max_polling_body: int,
        trusted_proxies: int = 0,
        max_total: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_total = max_total
        self.total = 0
        self.request_timeout = request_timeout
        self.max_polling_body = max_polling_body
        self.max_per_ip = max_per_ip
        self.trusted_proxies = trusted_proxies
        self.per_ip: defaultdict[str, int] = defaultdict(int)
        self._warned: dict[str, float] = {}

    def take(self, ip: str) -> bool:
        """Count one more connection of ``ip``; False (nothing counted) if it holds the cap."""
        if self.max_per_ip and self.per_ip[ip] >= self.max_per_ip:
            self._warn(ip)
            return False
        self.per_ip[ip] += 1
        return True

    def release(self, ip: str) -> None:
        self.per_ip[ip] -= 1
        if not self.per_ip[ip]:
            del self.per_ip[ip]

    def handle(self, sock: Any, address: Any) -> None:
        if self.max_total and self.total >= self.max_total:
            self._warn("", "refusing connections: this process holds %d (CHINWAG_MAX_CONNECTIONS)")
            self._refuse(sock, FULL_RESPONSE)
            return
        # behind trusted proxies the peer is a proxy: the handler counts the forwarded client
        ip = None if self.trusted_proxies else str(address[0]) if isinstance(address, tuple) else ""
        if ip is not None and not self.take(ip):
            self._refuse(sock)
            return
        self.total += 1
        try:
            with contextlib.suppress(OSError):  # not a TCP socket (e.g. a Unix socket)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # a client that hangs up while its answer is written is no server error (it was
            # logged with a traceback, e.g. after a WebSocket closed by the client)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                super().handle(sock, address)
        finally:
            self.total -= 1
            if ip is not None:
                self.release(ip)

    def _warn(self, ip: str, message: str = "") -> None:
        now = time.monotonic()
        if now - self._warned.get(ip, -60.0) >= 60:  # once a minute per address, not per socket
            if len(self._warned) > 10_000:
                self._warned.clear()
            self._warned[ip] = now
            if message:  # the whole process is full ("" is no address)
                log.warning(message, self.max_total)
                return
            log.warning(
                "refusing connections from %s: it holds %d (CHINWAG_MAX_CONNECTIONS_PER_IP)",
                ip,
                self.max_per_ip,
            )

    def _refuse(self, sock: Any, answer: bytes = BUSY_RESPONSE) -> None:
        # read the request first (briefly): closing on unread data would reset the connection
        # and the client would lose the answer that says why
        with contextlib.suppress(OSError, gevent.Timeout), gevent.Timeout(0.5):
            sock.recv(16384)
        with contextlib.suppress(OSError):
            sock.sendall(answer)
            sock.shutdown(socket.SHUT_WR)
        with contextlib.suppress(OSError):
            sock.close()


def connection_cap(configured: int, open_files: int) -> int:
    """The process's cap on connections: ``CHINWAG_MAX_CONNECTIONS``, else the open-file limit
    less what the database, Redis, logs and uploads need (a quarter of it, 64 to 1024); ``0``
    (no cap) when the limit is unknown or unlimited."""
    if configured > 0:
        return configured
    if open_files <= 0:
        return 0
    return max(open_files - min(max(open_files // 4, 64), 1024), 1)

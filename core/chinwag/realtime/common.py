"""What both namespaces share: the event wrapper (validate, authenticate, acknowledge)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, NoReturn

from flask import current_app, g, request
from flask_socketio import SocketIO
from marshmallow import Schema, ValidationError
from socketio.exceptions import ConnectionRefusedError

from chinwag.errors import ApiError, as_api_error
from chinwag.extensions import db
from chinwag.ratelimit import RateLimiter as RateLimiter  # the limiter's home; re-exported
from chinwag.state import state

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], dict[str, Any]]

#: rate-limit window, seconds
RATE_WINDOW = 10.0
#: every event of one connection counts; a connection may send this many times the message limit
CONNECTION_FACTOR = 3


def refuse(code: str, message: str) -> NoReturn:
    """Refuse a Socket.IO connection; the client's ``connect_error`` gets ``{message, data: {code}}``."""
    raise ConnectionRefusedError(message, {"code": code})


def ok(**data: Any) -> dict[str, Any]:
    return {"ok": True, **data}


def fail(err: ApiError) -> dict[str, Any]:
    return {"ok": False, "error": {"code": err.code, "message": err.message, **err.extra}}


def event_handler(
    schema: type[Schema] | None, authenticate: Callable[[], Any]
) -> Callable[[Handler], Callable[..., dict[str, Any]]]:
    """Wrap a handler: re-check the session, validate the payload, turn every outcome into an ack."""

    # one schema instance per handler: building one per event (deep-copying its fields) was ~3%
    # of the server's time per message, and garbage in reference cycles
    loader = schema() if schema else None

    def decorate(fn: Handler) -> Callable[..., dict[str, Any]]:
        @functools.wraps(fn)
        def wrapper(*args: Any) -> dict[str, Any]:
            try:
                session = authenticate()
                if session is not None:
                    limit = current_app.config["CHINWAG_RATE_LIMIT_MESSAGES"] * CONNECTION_FACTOR
                    session.hit(limit, RATE_WINDOW)
                payload: Any = args[0] if args else {}
                if len(args) > 1:
                    raise ApiError("invalid_payload", "Send one JSON object.", 400)
                if payload is None:
                    payload = {}
                if not isinstance(payload, dict):
                    raise ApiError("invalid_payload", "The payload must be a JSON object.", 400)
                data = loader.load(payload) if loader else payload
                return fn(data)
            except ValidationError as err:
                return {
                    "ok": False,
                    "error": {
                        "code": "validation_error",
                        "message": "The payload is invalid.",
                        "details": err.normalized_messages(),
                    },
                }
            except Exception as exc:
                db.session.rollback()
                return fail(as_api_error(exc))

        return wrapper

    return decorate


def on_event(socketio: SocketIO, event: str, namespace: str) -> Callable[[Handler], Handler]:
    """Register a client event on the Socket.IO server itself, run in an app context only.

    Flask-SocketIO builds a whole request context per event (a ``Request``, a URL adapter and a
    route match that fails with ``NotFound``): about 15 % of the server's time per message in
    bench/realtime. Events need the app (config, the database session) and the socket's id, no
    more; ``connect`` keeps Flask-SocketIO's context (it reads the handshake's headers).
    """

    def decorator(handler: Handler) -> Handler:
        server = socketio.server

        def dispatch(socket_id: str, *args: Any) -> Any:
            environ = server.get_environ(socket_id, namespace=namespace)
            if not environ:
                return None  # not (or no longer) connected
            with environ["flask.app"].app_context():
                g.chinwag_socket = (socket_id, namespace)
                return handler(*args)

        server.on(event, dispatch, namespace=namespace)
        return handler

    return decorator


def _current() -> tuple[str, str]:
    socket: tuple[str, str] | None = g.get("chinwag_socket")
    if socket is None:  # in Flask-SocketIO's context (connect, disconnect)
        return request.sid, request.namespace  # type: ignore[attr-defined]
    return socket


def sid() -> str:
    """The id of the socket whose event is being handled."""
    return _current()[0]


def close_socket() -> None:
    """Disconnect the socket whose event is being handled."""
    socket_id, namespace = _current()
    state().server().server.disconnect(socket_id, namespace=namespace)


def origin() -> str | None:
    """The handshake's Origin. Some clients send it twice (the server joins them with commas):
    identical copies count as one, differing copies as an origin nobody allows."""
    raw = request.headers.get("Origin")
    if raw is None:
        return None
    values = {v.strip() for v in raw.split(",")}
    return values.pop() if len(values) == 1 else "null"

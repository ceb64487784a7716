"""Real-time delivery over Socket.IO: ``/widget`` for visitors, ``/agent`` for agents and admins.

See docs/protocol.md. Every client event is validated by a schema, authenticated again and
acknowledged with ``{ok: true, ...}`` or ``{ok: false, error: {code, message}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from chinwag.extensions import socketio


def init_realtime(app: Flask) -> None:
    from chinwag.realtime import agent, widget
    from chinwag.realtime.cors import origin_checker
    from chinwag.realtime.plugin_events import register_plugin_events
    from chinwag.realtime.pubsub import PipelinedRedisManager, signing_key
    from chinwag.realtime.serializer import JSON, Packet

    options: dict[str, Any] = {
        "async_mode": app.config["CHINWAG_ASYNC_MODE"],
        # any site's origin, the admin's and our own (realtime/cors.py); each namespace's
        # connect then checks the origin against that site or the admin
        "cors_allowed_origins": origin_checker(app),
        "max_http_buffer_size": app.config["CHINWAG_MAX_HTTP_BUFFER"],
        "json": JSON,
        "serializer": Packet,
        "ping_interval": 20,
        "ping_timeout": 20,
        "cookie": None,
        # an event runs in its socket's own reader instead of a greenlet spawned per event: one
        # socket's events are handled in the order sent, and other sockets are not held up
        "async_handlers": False,
    }
    url = app.config.get("CHINWAG_REDIS_URL")
    if url:
        # redis-py caps its pool at 100; under load the manager would drop its subscription
        options["client_manager"] = PipelinedRedisManager(
            url,
            channel=app.config["CHINWAG_REDIS_CHANNEL"],
            redis_options={"max_connections": 1000, "health_check_interval": 10},
            signing_key=signing_key(app.config["SECRET_KEY"]),
        )
    if "client_manager" in options:
        from chinwag.realtime.revocation import apply

        options["client_manager"].on_control = lambda body: apply(app, body)
    socketio.init_app(app, **options)
    widget.register(socketio)
    agent.register(socketio)
    register_plugin_events(app, socketio)


def emit(
    event: str, data: dict[str, Any], room: str, namespace: str, skip_sid: str | None = None
) -> None:
    """Send to a room in this and (with Redis) every other process (straight to python-socketio:
    Flask-SocketIO's ``emit`` only adds callback handling that server events never use)."""
    socketio.server.emit(event, data, to=room, namespace=namespace, skip_sid=skip_sid)

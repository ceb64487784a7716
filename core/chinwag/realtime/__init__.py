"""Real-time delivery over Socket.IO: ``/widget`` for visitors, ``/agent`` for agents and admins.

See docs/protocol.md. Every client event is validated by a schema, authenticated again and
acknowledged with ``{ok: true, ...}`` or ``{ok: false, error: {code, message}}``.
"""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api.events import PluginChanged
from flask import Flask
from flask_socketio import SocketIO

from chinwag import inbox_surface, revocation, rooms
from chinwag.realtime import agent, fanout, site_availability, widget
from chinwag.realtime.cors import origin_checker
from chinwag.realtime.plugin_events import register_plugin_events
from chinwag.realtime.pubsub import PipelinedRedisManager, signing_key
from chinwag.realtime.serializer import JSON, Packet
from chinwag.realtime.sessions import SocketCap
from chinwag.state import state
from chinwag.widget_features import announce


def _control(app: Flask, body: dict[str, Any]) -> None:
    """A control payload of another process: a revocation, or agents' memberships changed."""
    if body.get("method") == rooms.METHOD:
        rooms.apply(app, body)
    else:
        revocation.apply(app, body)


def init_realtime(app: Flask) -> SocketIO:
    """Give ``app`` a Socket.IO server of its own (kept in its state) with both namespaces."""

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
        options["client_manager"].on_control = lambda body: _control(app, body)
    socketio = SocketIO()
    socketio.init_app(app, **options)
    state(app).socketio = socketio
    state(app).extras["socket_cap"] = SocketCap(int(app.config["CHINWAG_MAX_CONNECTIONS_PER_IP"]))
    widget.register(socketio)
    agent.register(socketio)
    register_plugin_events(app, socketio)
    fanout.subscribe(state(app).bus)
    site_availability.subscribe(state(app).bus)  # open widgets' "typically replies" banner
    inbox_surface.subscribe(state(app))  # annotations, notes: to agents only
    # a plugin toggled or configured: open widgets re-read their features
    state(app).bus.subscribe(
        lambda _event: announce(), names=(PluginChanged.name,), label="widget features"
    )
    return socketio

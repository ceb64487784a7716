"""Socket.IO rooms and the one way to send to them.

Rooms are chosen by the server, never named by a client: every socket of a visitor joins the
visitor's room on connect, every agent socket the agents' room. :func:`emit` sends to a room of the
current app in this and (with Redis) every other process.
"""

from __future__ import annotations

from typing import Any

from chinwag.state import state


def agents_room(site_id: int | None = None) -> str:
    return "agents" if site_id is None else f"agents:site:{site_id}"


def visitor_room(visitor_id: int) -> str:
    return f"visitor:{visitor_id}"


def emit(event: str, payload: dict[str, Any], room: str, namespace: str) -> None:
    """Straight to python-socketio: Flask-SocketIO's ``emit`` only adds callback handling that
    server events never use."""
    state().server().server.emit(event, payload, to=room, namespace=namespace)

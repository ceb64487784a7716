"""Socket.IO rooms and the one way to send to them.

Rooms are chosen by the server, never named by a client: every socket of a visitor joins the
visitor's room on connect. Every agent socket joins ``agents`` (what names no conversation) and,
from :mod:`chinwag.access`, either ``agents:sites:all`` (admins) or one ``agents:site:<id>`` per
site it may see: a conversation's events go to :func:`site_rooms` only. :func:`emit` sends to
rooms of the current app in this and (with Redis) every other process.
"""

from __future__ import annotations

from typing import Any

from chinwag.state import state

#: agents who see every site (admins; unscoped agents while ``CHINWAG_UNSCOPED_AGENTS=all``)
ALL_SITES_ROOM = "agents:sites:all"


def agents_room(site_id: int | None = None) -> str:
    """Every agent socket (``site_id`` None), or the agents scoped to one site."""
    return "agents" if site_id is None else f"agents:site:{site_id}"


def site_rooms(site_id: int | None) -> list[str]:
    """Who gets a conversation's ``/agent`` events: that site's agents and those who see every
    site (only those, for no site). A socket is in one or the other, never both, so none gets
    an event twice."""
    return [ALL_SITES_ROOM] if site_id is None else [ALL_SITES_ROOM, agents_room(site_id)]


def scope_rooms(sites: frozenset[int] | None) -> set[str]:
    """The rooms of an agent socket that may see ``sites`` (None: every site)."""
    if sites is None:
        return {agents_room(), ALL_SITES_ROOM}
    return {agents_room(), *(agents_room(s) for s in sites)}


def visitor_room(visitor_id: int) -> str:
    return f"visitor:{visitor_id}"


def emit(event: str, payload: dict[str, Any], room: str | list[str], namespace: str) -> None:
    """Straight to python-socketio (one publish for a list of rooms): Flask-SocketIO's ``emit``
    only adds callback handling that server events never use."""
    state().server().server.emit(event, payload, to=room, namespace=namespace)

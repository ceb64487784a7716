"""Socket.IO rooms and the one way to send to them.

Rooms are chosen by the server, never named by a client: every socket of a visitor joins the
visitor's room on connect. Every agent socket joins its user's room (:func:`user_room`), ``agents`` (what names no conversation) and,
from :mod:`chinwag.access`, either ``agents:sites:all`` (admins) or one ``agents:site:<id>`` per
site it may see: a conversation's events go to :func:`site_rooms` only. :func:`emit` sends to
rooms of the current app in this and (with Redis) every other process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app

from chinwag import access
from chinwag import events as ev
from chinwag.extensions import db
from chinwag.models import User
from chinwag.state import state

log = logging.getLogger(__name__)

#: the pub/sub ``method`` telling other processes that these agents' memberships changed
METHOD = "chinwag.access"

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


def conversation_rooms(conversation_id: int) -> list[str]:
    """The agent rooms of one conversation (none if it is gone)."""
    found = access.owner(conversation_id)
    return [] if found is None else site_rooms(found[1])


def visitor_room(visitor_id: int) -> str:
    return f"visitor:{visitor_id}"


def user_room(user_id: int) -> str:
    """Every ``/agent`` socket of one user (their tabs and devices): what is theirs alone, e.g.
    their saved views. Not an ``agents...`` room, so :func:`join` never moves it."""
    return f"user:{user_id}"


def widget_site_room(site_id: int) -> str:
    """Every ``/widget`` socket of a site: what concerns all its visitors (its availability)."""
    return f"widget:site:{site_id}"


def emit(event: str, payload: dict[str, Any], room: str | list[str], namespace: str) -> None:
    """Straight to python-socketio (one publish for a list of rooms): Flask-SocketIO's ``emit``
    only adds callback handling that server events never use."""
    state().server().server.emit(event, payload, to=room, namespace=namespace)


# -- keeping agent sockets in the rooms of their scope ----------------------------------------


def join(socket_id: str, sites: frozenset[int] | None, app: Flask | None = None) -> None:
    """Put an agent socket of this process into exactly the rooms of ``sites``."""
    server = state(app).server().server
    wanted = scope_rooms(sites)
    current = {r for r in server.rooms(socket_id, namespace=ev.AGENT) if r.startswith("agents")}
    for room in current - wanted:
        server.leave_room(socket_id, room, namespace=ev.AGENT)
    for room in wanted - current:
        server.enter_room(socket_id, room, namespace=ev.AGENT)


def join_user(socket_id: str, user_id: int) -> None:
    """Put an agent socket into its user's own room (on connect)."""
    state().server().server.enter_room(socket_id, user_room(user_id), namespace=ev.AGENT)


def to_user(user_id: int, event: str, payload: dict[str, Any]) -> None:
    """Send ``event`` to every ``/agent`` socket of one user, in every process (after commit)."""
    if state().socketio is not None:
        emit(event, payload, user_room(user_id), ev.AGENT)


def refresh(app: Flask, user_ids: Iterable[int]) -> int:
    """Re-read these agents' scopes and move this process's sockets of theirs; how many moved."""
    ids = {int(i) for i in user_ids}
    sockets = [
        (sid, s)
        for sid, s in list(state(app).sockets.items())
        if s.kind == "agent" and s.actor_id in ids
    ]
    scopes: dict[int, frozenset[int] | None] = {}
    for user_id in {s.actor_id for _sid, s in sockets}:
        user = db.session.get(User, user_id)
        scopes[user_id] = frozenset() if user is None else access.compute_scope(user)
    for socket_id, session in sockets:
        session.sites = scopes[session.actor_id]
        join(socket_id, session.sites, app)
    return len(sockets)


def memberships_changed(user_ids: Iterable[int]) -> None:
    """These agents' teams or sites changed (call after the commit): their sockets move rooms
    here at once and in every other process through the Redis channel, as revocation does."""
    ids = sorted({int(i) for i in user_ids})
    access.forget()
    if not ids:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if state(app).socketio is None:
        return
    moved = refresh(app, ids)
    if moved:
        log.info("moved %d agent socket(s) to their new rooms", moved)
    publish = getattr(state(app).server().server.manager, "publish_control", None)
    if publish is not None:
        publish({"method": METHOD, "ids": ids})


def apply(app: Flask, body: dict[str, Any]) -> int:
    """Another process said these agents' memberships changed (runs in the pub/sub listener)."""
    with app.app_context():
        try:
            return refresh(app, body.get("ids") or ())
        finally:
            db.session.remove()

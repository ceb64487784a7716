"""The ``/widget`` namespace: visitors. Auth ``{site_key, visitor_token}``; cookies never count."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_socketio import SocketIO, join_room
from sqlalchemy import select

from chinwag import actions, consent
from chinwag import events as ev
from chinwag.actions import Actor
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Visitor, VisitorToken
from chinwag.realtime.common import RATE_WINDOW, close_socket, ok, origin, refuse, sid
from chinwag.realtime.namespace import ChatNamespace, handles
from chinwag.realtime.sessions import (
    RECHECK_SECONDS,
    SWEPT_RECHECK_SECONDS,
    SocketSession,
    registry,
    sockets_of,
)
from chinwag.rooms import visitor_room, widget_site_room
from chinwag.schemas import MessageSendIn, TrackIn
from chinwag.security import token_digest
from chinwag.state import state
from chinwag.visitors import origin_allowed, own_origin, site_by_key

NS = ev.WIDGET
#: messages per visitor per window are ``CHINWAG_RATE_LIMIT_MESSAGES``; a site takes 100 times that
SITE_FACTOR = 100


def _session() -> SocketSession:
    session = registry().get(sid())
    if session is None:
        raise ApiError("not_connected", "Connect first.", 401)
    swept = state().visitor_sweep
    if session.due(SWEPT_RECHECK_SECONDS if swept else RECHECK_SECONDS):
        if not _token_still_valid(session):
            registry().pop(sid(), None)
            close_socket()
            raise ApiError("token_invalid", "The visitor token is no longer valid.", 401)
        session.checked_at = time.monotonic()
    return session


def _token_still_valid(session: SocketSession) -> bool:
    """The re-check of every event (at most every ~2 s): the rule of the handshake."""
    if session.site_id is None:  # not a visitor's session
        return False
    return _visitor_id(session.token, session.site_id, session.actor_id) is not None


def _visitor_id(token: str, site_id: int, visitor_id: int | None = None) -> int | None:
    """The visitor of ``token`` if it is known, unexpired and a visitor of this site: the rule
    of ``visitor_from_token`` in one query instead of two (every handshake of a reconnect storm
    and every re-check run it)."""
    query = (
        select(Visitor.id, VisitorToken.expires_at)
        .join(Visitor, Visitor.id == VisitorToken.visitor_id)
        .where(VisitorToken.token_hash == token_digest(token), Visitor.site_id == site_id)
    )
    if visitor_id is not None:
        query = query.where(Visitor.id == visitor_id)
    row = db.session.execute(query).one_or_none()
    if row is None:
        return None
    expires = row.expires_at
    if expires.tzinfo is None:  # SQLite keeps no offset; stored in UTC
        expires = expires.replace(tzinfo=UTC)
    return int(row.id) if expires > datetime.now(UTC) else None


def sweep_visitors(app: Any, socketio: SocketIO, chunk: int = 500) -> None:
    """Re-check every visitor socket of this process, one query per ``chunk`` tokens (runs every
    2 s from ``chinwag run``): an expired or erased token is refused and its socket closed within
    seconds, and the per-event path needs no query while the sweep keeps up."""
    sessions = sockets_of(app, "visitor")
    if not sessions:
        return
    digests = {socket_id: token_digest(s.token) for socket_id, s in sessions}
    hashes = sorted(set(digests.values()))
    valid: set[tuple[str, int, int]] = set()
    with app.app_context():
        now = datetime.now(UTC)
        for i in range(0, len(hashes), chunk):
            rows = db.session.execute(
                select(VisitorToken.token_hash, VisitorToken.visitor_id, Visitor.site_id)
                .join(Visitor, Visitor.id == VisitorToken.visitor_id)
                .where(VisitorToken.token_hash.in_(hashes[i : i + chunk]))
                .where(VisitorToken.expires_at > now)
            ).all()
            valid.update((h, v, s) for h, v, s in rows)
        db.session.remove()
    checked = time.monotonic()
    for socket_id, session in sessions:
        if (digests[socket_id], session.actor_id, session.site_id) in valid:
            session.checked_at = checked
            continue
        registry(app).pop(socket_id, None)
        socketio.emit(ev.SESSION_REVOKED, {"code": "token_invalid"}, to=socket_id, namespace=NS)
        socketio.server.disconnect(socket_id, namespace=NS)
    state(app).visitor_sweep = True


def _actor() -> Actor:
    s = _session()
    return Actor("visitor", s.actor_id, s.site_id)


class WidgetNamespace(ChatNamespace):
    """``/widget``: one visitor's sockets; rooms are chosen by the server, never by a client."""

    namespace = NS
    for_agent = False

    def session(self) -> SocketSession:
        return _session()

    def actor(self) -> Actor:
        return _actor()

    def connect(self, auth: Any = None) -> bool:
        if not isinstance(auth, dict):
            refuse("auth_required", "Connect with auth {site_key, visitor_token}.")
        try:
            site = site_by_key(str(auth.get("site_key", "")))
        except ApiError as err:
            refuse(err.code, err.message)
        if not origin_allowed(site, origin(), own_origin()):
            refuse("origin_not_allowed", "This origin may not use this site's widget.")
        token = auth.get("visitor_token")
        visitor_id = _visitor_id(token, site.id) if isinstance(token, str) and token else None
        if visitor_id is None:
            refuse("token_invalid", "The visitor token is not valid; start a new session.")
        registry()[sid()] = SocketSession("visitor", visitor_id, site.id, str(token))
        # a visitor's sockets share one room that carries every event of their conversations,
        # so no join can race a first message
        join_room(visitor_room(visitor_id))
        join_room(widget_site_room(site.id))  # the site's availability (site.availability)
        return True

    @handles(ev.MESSAGE_SEND, MessageSendIn)
    def message_send(self, data: dict[str, Any]) -> dict[str, Any]:
        actor = self.actor()
        limit = current_app.config["CHINWAG_RATE_LIMIT_MESSAGES"]
        state().limiter.hit_all(
            [(f"v:{actor.id}", limit), (f"s:{actor.site_id}", limit * SITE_FACTOR)], RATE_WINDOW
        )
        result = actions.send_message(
            actor, data.get("conversation_id"), data["client_msg_id"], data["text"], data["blocks"]
        )
        return ok(
            message=actions.message_dict(result.message, for_visitor=True),
            conversation=actions.conversation_dict(result.conversation),
        )

    @handles(ev.CONVERSATION_LIST, None)
    def conversation_list(self, data: dict[str, Any]) -> dict[str, Any]:
        if data:
            raise ApiError("invalid_payload", "conversation.list takes no fields.", 400)
        rows = actions.visitor_conversations(self.actor())
        return ok(conversations=[actions.conversation_dict(c) for c in rows])

    @handles(ev.WIDGET_TRACK, TrackIn)
    def widget_track(self, data: dict[str, Any]) -> dict[str, Any]:
        actions.track_widget(self.actor(), data["name"], data["properties"])
        return ok()

    @handles(ev.CONSENT_UPDATE, consent.ConsentUpdateIn)
    def consent_update(self, data: dict[str, Any]) -> dict[str, Any]:
        """Grant or withdraw purposes (effective for the next event, and for queued ones)."""
        visitor = db.session.get(Visitor, self.actor().id)
        if visitor is None:
            raise ApiError("token_invalid", "The visitor token is not valid; start a new session.")
        if data["purposes"]:
            consent.record(visitor, data["purposes"], "widget")
            db.session.commit()
        return ok(consent=consent.state_of(visitor))


def register(socketio: SocketIO) -> None:
    WidgetNamespace().register(socketio)

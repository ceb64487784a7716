"""The ``/agent`` namespace: agents and admins. Auth ``{token: <JWT>}``; only the admin's origin."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import current_app
from flask_socketio import SocketIO

from chinwag import access, actions, availability, rooms
from chinwag import events as ev
from chinwag.actions import Actor
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.realtime.common import close_socket, ok, origin, refuse, sid
from chinwag.realtime.namespace import ChatNamespace, handles
from chinwag.realtime.sessions import SocketSession, registry, sockets_of
from chinwag.schemas import ConversationAssignIn, ConversationRefIn, InboxSyncIn, MessageSendIn
from chinwag.security import user_from_token
from chinwag.visitors import own_origin

NS = ev.AGENT
log = logging.getLogger(__name__)


def admin_origin_allowed(value: str | None) -> bool:
    if value is None:
        return True
    allowed = current_app.config.get("CHINWAG_ADMIN_ORIGIN") or own_origin()
    return value.rstrip("/") in {o.strip().rstrip("/") for o in allowed.split(",")}


def _session() -> SocketSession:
    session = registry().get(sid())
    if session is None:
        raise ApiError("not_connected", "Connect first.", 401)
    if session.due():
        try:
            user = user_from_token(session.token)
        except ApiError:
            registry().pop(sid(), None)
            close_socket()
            raise
        session.checked_at = time.monotonic()
        sites = access.compute_scope(user)  # a missed membership change heals here
        if sites != session.sites:
            session.sites = sites
            rooms.join(sid(), sites)
    return session


def _actor() -> Actor:
    s = _session()
    return Actor("agent", s.actor_id, None, s.name)


class AgentNamespace(ChatNamespace):
    """``/agent``: agents' and admins' sockets, each in the rooms of the sites it may see."""

    namespace = NS
    for_agent = True

    def session(self) -> SocketSession:
        return _session()

    def actor(self) -> Actor:
        return _actor()

    def connect(self, auth: Any = None) -> bool:
        if not admin_origin_allowed(origin()):
            log.info("agent socket refused: origin %r not allowed", origin())
            refuse("origin_not_allowed", "Agents connect from the admin's origin only.")
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            user = user_from_token(token if isinstance(token, str) else None)
        except ApiError as err:
            log.info("agent socket refused: %s", err.code)
            refuse(err.code, err.message)
        session = SocketSession("agent", user.id, None, str(token), user.name or user.email)
        session.sites = access.compute_scope(user)
        registry()[sid()] = session
        rooms.join(sid(), session.sites)
        rooms.join_user(sid(), user.id)
        availability.connected(user.id, sid())
        return True

    def disconnect(self, *args: Any) -> None:
        super().disconnect(*args)
        availability.disconnected(sid())

    @handles(ev.MESSAGE_SEND, MessageSendIn)
    def message_send(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data.get("conversation_id"):
            raise ApiError("conversation_required", "conversation_id is required.", 400)
        availability.active(self.session().actor_id)  # sending is the agent's own doing
        result = actions.send_message(
            self.actor(),
            data["conversation_id"],
            data["client_msg_id"],
            data["text"],
            data["blocks"],
        )
        return ok(message=actions.message_dict(result.message))

    @handles(ev.CONVERSATION_ASSIGN, ConversationAssignIn)
    def conversation_assign(self, data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.assign(self.actor(), data["conversation_id"], data.get("user_id"))
        return ok(conversation=actions.conversation_dict(conv, True))

    @handles(ev.CONVERSATION_REOPEN, ConversationRefIn)
    def conversation_reopen(self, data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.set_status(self.actor(), data["conversation_id"], "open")
        return ok(conversation=actions.conversation_dict(conv, True))

    @handles(ev.INBOX_SYNC, InboxSyncIn)
    def inbox_sync(self, data: dict[str, Any]) -> dict[str, Any]:
        events, more = actions.inbox_since(data["after_event_id"], self.session().sites)
        return ok(events=events, resync_required=more)


def register(socketio: SocketIO) -> None:
    AgentNamespace().register(socketio)


def sweep_revoked(app: Any, socketio: SocketIO) -> None:
    """Disconnect sockets whose agent was disabled or whose token was revoked (runs every 2 s)."""
    with app.app_context():
        for socket_id, session in sockets_of(app, "agent"):
            try:
                user_from_token(session.token)
            except ApiError as err:
                registry(app).pop(socket_id, None)
                socketio.emit(ev.SESSION_REVOKED, {"code": err.code}, to=socket_id, namespace=NS)
                socketio.server.disconnect(socket_id, namespace=NS)
        db.session.remove()

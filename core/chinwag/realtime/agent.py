"""The ``/agent`` namespace: agents and admins. Auth ``{token: <JWT>}``; only the admin's origin."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import current_app
from flask_socketio import SocketIO, join_room
from sqlalchemy import select

from chinwag import actions
from chinwag import events as ev
from chinwag.actions import Actor
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import InboxEvent, User
from chinwag.realtime.common import close_socket, event_handler, ok, on_event, origin, refuse, sid
from chinwag.realtime.sessions import SocketSession, registry, sockets_of
from chinwag.schemas import (
    ConversationAssignIn,
    ConversationReadIn,
    ConversationRefIn,
    ConversationSyncIn,
    InboxSyncIn,
    MessageSendIn,
    TypingSetIn,
)
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
            user_from_token(session.token)
        except ApiError:
            registry().pop(sid(), None)
            close_socket()
            raise
        session.checked_at = time.monotonic()
    return session


def _actor() -> Actor:
    s = _session()
    return Actor("agent", s.actor_id, None, s.name)


def register(socketio: SocketIO) -> None:
    @socketio.on("connect", namespace=NS)
    def connect(auth: Any = None) -> bool:
        if not admin_origin_allowed(origin()):
            log.info("agent socket refused: origin %r not allowed", origin())
            refuse("origin_not_allowed", "Agents connect from the admin's origin only.")
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            user = user_from_token(token if isinstance(token, str) else None)
        except ApiError as err:
            log.info("agent socket refused: %s", err.code)
            refuse(err.code, err.message)
        registry()[sid()] = SocketSession(
            "agent", user.id, None, str(token), user.name or user.email
        )
        join_room(actions.agents_room())
        return True

    @socketio.on("disconnect", namespace=NS)
    def on_disconnect(*_args: Any) -> None:
        registry().pop(sid(), None)

    @on_event(socketio, ev.MESSAGE_SEND, NS)
    @event_handler(MessageSendIn, _session)
    def message_send(data: dict[str, Any]) -> dict[str, Any]:
        if not data.get("conversation_id"):
            raise ApiError("conversation_required", "conversation_id is required.", 400)
        result = actions.send_message(
            _actor(), data["conversation_id"], data["client_msg_id"], data["text"], data["blocks"]
        )
        return ok(message=actions.message_dict(result.message))

    @on_event(socketio, ev.CONVERSATION_SYNC, NS)
    @event_handler(ConversationSyncIn, _session)
    def conversation_sync(data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.conversation_for(_actor(), data["conversation_id"])
        rows, more = actions.messages_after(conv, data["after_seq"])
        return ok(
            messages=[actions.message_dict(m) for m in rows],
            resync_required=more,
            conversation=actions.conversation_dict(conv, True),
        )

    @on_event(socketio, ev.TYPING_SET, NS)
    @event_handler(TypingSetIn, _session)
    def typing_set(data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.conversation_for(_actor(), data["conversation_id"])
        body = {"conversation_id": conv.id, "author_kind": "agent", "typing": data["typing"]}
        actions.publish(ev.TYPING_UPDATE, body, actions.visitor_room(conv.visitor_id), ev.WIDGET)
        return ok()

    @on_event(socketio, ev.CONVERSATION_READ_SET, NS)
    @event_handler(ConversationReadIn, _session)
    def conversation_read(data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.mark_read(_actor(), data["conversation_id"], data["seq"])
        return ok(seq=conv.agent_read_seq)

    @on_event(socketio, ev.CONVERSATION_ASSIGN, NS)
    @event_handler(ConversationAssignIn, _session)
    def conversation_assign(data: dict[str, Any]) -> dict[str, Any]:
        actor = _actor()
        user_id = data.get("user_id")
        if user_id is not None:
            user = db.session.get(User, user_id)
            if user is None or user.disabled:
                raise ApiError("user_not_found", "No such active agent.", 404)
        conv = actions.assign(actor, data["conversation_id"], user_id)
        return ok(conversation=actions.conversation_dict(conv, True))

    @on_event(socketio, ev.CONVERSATION_CLOSE, NS)
    @event_handler(ConversationRefIn, _session)
    def conversation_close(data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.set_status(_actor(), data["conversation_id"], "closed")
        return ok(conversation=actions.conversation_dict(conv, True))

    @on_event(socketio, ev.CONVERSATION_REOPEN, NS)
    @event_handler(ConversationRefIn, _session)
    def conversation_reopen(data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.set_status(_actor(), data["conversation_id"], "open")
        return ok(conversation=actions.conversation_dict(conv, True))

    @on_event(socketio, ev.INBOX_SYNC, NS)
    @event_handler(InboxSyncIn, _session)
    def inbox_sync(data: dict[str, Any]) -> dict[str, Any]:
        _session()
        rows = (
            db.session.execute(
                select(InboxEvent)
                .where(InboxEvent.id > data["after_event_id"])
                .order_by(InboxEvent.id)
                .limit(501)
            )
            .scalars()
            .all()
        )
        events = [
            {"event_id": r.id, "kind": r.kind, "site_id": r.site_id, **r.payload}
            for r in rows[:500]
        ]
        return ok(events=events, resync_required=len(rows) > 500)


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

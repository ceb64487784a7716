"""A Socket.IO namespace as a class: one method per client event, what both namespaces repeat
written once.

A method marked with :func:`handles` answers one client event: the payload is validated by the
schema, the socket's session re-checked and every outcome turned into an ack by
:func:`chinwag.realtime.common.event_handler`. Subclasses (:mod:`.widget`, :mod:`.agent`) say
who connects and add the events only they have.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from flask import request
from flask_socketio import SocketIO
from marshmallow import Schema

from chinwag import actions
from chinwag import events as ev
from chinwag.actions import Actor
from chinwag.realtime.common import event_handler, ok, on_event, refuse, sid
from chinwag.realtime.sessions import SocketCap, SocketSession, registry
from chinwag.schemas import ConversationReadIn, ConversationRefIn, ConversationSyncIn, TypingSetIn
from chinwag.state import state

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)
#: the words of gevent's guarded server for the same refusal (chinwag.http_guard)
TOO_MANY = "This address holds too many connections; close some and retry."


def socket_cap() -> SocketCap:
    """This app's per-address socket cap (made by :func:`chinwag.realtime.init_realtime`)."""
    cap: SocketCap = state().extras["socket_cap"]
    return cap


def handles(event: str, schema: type[Schema] | None) -> Callable[[F], F]:
    """Mark a method as the handler of client event ``event`` (payload checked by ``schema``)."""

    def mark(fn: F) -> F:
        fn.chinwag_event = (event, schema)  # type: ignore[attr-defined]
        return fn

    return mark


class ChatNamespace:
    """What ``/widget`` and ``/agent`` share (see the module)."""

    namespace: ClassVar[str]
    #: the agents' form of a conversation (with its visitor) instead of the visitor's
    for_agent: ClassVar[bool]

    def session(self) -> SocketSession:
        """The socket's session, re-validated (``ApiError`` when it is no longer valid)."""
        raise NotImplementedError

    def actor(self) -> Actor:
        raise NotImplementedError

    def connect(self, auth: Any = None) -> bool:
        raise NotImplementedError

    def disconnect(self, *_args: Any) -> None:
        registry().pop(sid(), None)

    def _capped_connect(self, auth: Any = None) -> bool:
        """``connect`` within the per-address socket cap (:class:`SocketCap`): over it, the
        client's ``connect_error`` says ``too_many_connections`` before anything else is read."""
        cap = socket_cap()
        key = (self.namespace, sid())
        ip = str(request.remote_addr or "")
        if not cap.take(key, ip):
            if cap.warn_now(ip):
                log.warning(
                    "socket refused: %s holds %d sockets (CHINWAG_MAX_CONNECTIONS_PER_IP)",
                    ip,
                    cap.limit,
                )
            refuse("too_many_connections", TOO_MANY)
        try:
            accepted = self.connect(auth)
        except BaseException:
            cap.release(key)
            raise
        if accepted is False:
            cap.release(key)
        return accepted

    def _counted_disconnect(self, *args: Any) -> None:
        try:
            self.disconnect(*args)
        finally:
            socket_cap().release((self.namespace, sid()))

    def register(self, socketio: SocketIO) -> None:
        """Attach ``connect``, ``disconnect`` and every :func:`handles` method to ``socketio``."""
        socketio.on("connect", namespace=self.namespace)(self._capped_connect)
        socketio.on("disconnect", namespace=self.namespace)(self._counted_disconnect)
        for name in dir(type(self)):
            mark = getattr(getattr(type(self), name), "chinwag_event", None)
            if mark is None:
                continue
            event, schema = mark
            handler = event_handler(schema, self.session)(getattr(self, name))
            on_event(socketio, event, self.namespace)(handler)

    def _conversation(self, conv: Any) -> dict[str, Any]:
        return actions.conversation_dict(conv, self.for_agent)

    @handles(ev.CONVERSATION_SYNC, ConversationSyncIn)
    def conversation_sync(self, data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.conversation_for(self.actor(), data["conversation_id"])
        rows, more = actions.messages_after(conv, data["after_seq"])
        return ok(
            messages=[actions.message_dict(m, not self.for_agent) for m in rows],
            resync_required=more,
            conversation=self._conversation(conv),
        )

    @handles(ev.TYPING_SET, TypingSetIn)
    def typing_set(self, data: dict[str, Any]) -> dict[str, Any]:
        actions.set_typing(self.actor(), data["conversation_id"], data["typing"])
        return ok()

    @handles(ev.CONVERSATION_READ_SET, ConversationReadIn)
    def conversation_read(self, data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.mark_read(self.actor(), data["conversation_id"], data["seq"])
        return ok(seq=conv.agent_read_seq if self.for_agent else conv.visitor_read_seq)

    @handles(ev.CONVERSATION_CLOSE, ConversationRefIn)
    def conversation_close(self, data: dict[str, Any]) -> dict[str, Any]:
        conv = actions.set_status(self.actor(), data["conversation_id"], "closed")
        return ok(conversation=self._conversation(conv))

"""The Socket.IO fan-out: the bus's typed events, sent to the rooms that should see them.

An inline subscriber of the app's event bus (:mod:`chinwag.bus`): it runs in the action that
committed, so a client's own socket has the event right after its acknowledgement and every
socket of a conversation sees its events in commit order. Rooms are chosen here, never by a client:
a visitor's sockets share the visitor's room (joined on connect); a conversation's ``/agent``
events go to its site's agent rooms only (:func:`chinwag.rooms.site_rooms`), so an agent's socket
gets only what :mod:`chinwag.access` lets that agent see.
"""

from __future__ import annotations

from chinwag_plugin_api.events import (
    CATALOGUE,
    ConversationEvent,
    ConversationOpened,
    ConversationRead,
    Event,
    MessageStored,
    TypingChanged,
)

from chinwag import events as ev
from chinwag.actions import conversation_dict, inbox_dict, message_dict
from chinwag.bus import EventBus
from chinwag.extensions import db
from chinwag.models import Conversation, InboxEvent
from chinwag.rooms import emit, site_rooms, visitor_room


def _message_stored(event: MessageStored) -> None:
    body = message_dict(event.message)
    # every socket of the visitor listens on the visitor's room (joined on connect); what
    # plugins noted is for agents only, and the visitor gets what they wrote (AgentView)
    visitor_body = {**body, "annotations": None}
    if event.message.visitor_text is not None:
        visitor_body = message_dict(event.message, for_visitor=True)
    emit(ev.MESSAGE_NEW, {"message": visitor_body}, visitor_room(event.visitor_id), ev.WIDGET)
    # agents get one frame per message: message.new carries the id of its inbox event, which is
    # sent on its own only when it says more (a conversation's first message)
    emit(
        ev.MESSAGE_NEW,
        {"message": body, "event_id": event.inbox_event_id},
        site_rooms(event.site_id),
        ev.AGENT,
    )


def _inbox(event_id: int | None) -> None:
    if event_id is None:
        return
    row = db.session.get(InboxEvent, event_id)
    if row is not None:
        emit(ev.INBOX_EVENT, inbox_dict(row), site_rooms(row.site_id), ev.AGENT)


def _conversation_changed(event: ConversationEvent) -> None:
    conv = db.session.get(Conversation, event.conversation_id)  # in the session: no query
    if conv is None:
        return
    emit(
        ev.CONVERSATION_UPDATE,
        {"conversation": conversation_dict(conv)},
        visitor_room(conv.visitor_id),
        ev.WIDGET,
    )
    emit(
        ev.CONVERSATION_UPDATE,
        {"conversation": conversation_dict(conv, True)},
        site_rooms(conv.site_id),
        ev.AGENT,
    )
    _inbox(event.inbox_event_id)


def _read(event: ConversationRead) -> None:
    body = {"conversation_id": event.conversation_id, "reader": event.reader, "seq": event.seq}
    emit(ev.CONVERSATION_READ, body, visitor_room(event.visitor_id), ev.WIDGET)
    emit(ev.CONVERSATION_READ, body, site_rooms(event.site_id), ev.AGENT)


def _typing(event: TypingChanged) -> None:
    body = {
        "conversation_id": event.conversation_id,
        "author_kind": event.author_kind,
        "typing": event.typing,
    }
    if event.author_kind == "visitor":
        emit(ev.TYPING_UPDATE, body, site_rooms(event.site_id), ev.AGENT)
    else:
        emit(ev.TYPING_UPDATE, body, visitor_room(event.visitor_id), ev.WIDGET)


def fan_out(event: Event) -> None:
    """Send one committed event to its rooms."""
    if isinstance(event, MessageStored):
        _message_stored(event)
    elif isinstance(event, ConversationRead):
        _read(event)
    elif isinstance(event, ConversationEvent):
        if isinstance(event, ConversationOpened):
            _inbox(event.inbox_event_id)  # its first message went out just before, in message.new
        else:
            _conversation_changed(event)
    elif isinstance(event, TypingChanged):
        _typing(event)


#: the events the fan-out sends to sockets: messages, conversation changes, typing
FANNED_OUT = tuple(
    name
    for name, cls in CATALOGUE.items()
    if issubclass(cls, (MessageStored, ConversationEvent, TypingChanged))
)


def subscribe(bus: EventBus) -> None:
    bus.subscribe(fan_out, names=FANNED_OUT, label="socket fan-out")

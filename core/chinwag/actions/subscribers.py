"""The deferred subscribers of the bus: responders (bots), analytics sinks and plugin listeners.

They run after the action that emitted the event returned (the visitor has their ack), on a bus
worker (never the socket's reader), one event at a time per conversation, each hook isolated and
counted by the plugin host as before. :func:`subscribe` registers them on an app's bus.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from chinwag_plugin_api import AnalyticsEvent, AnalyticsSink, Responder
from chinwag_plugin_api.events import (
    CATALOGUE,
    ConversationClosed,
    ConversationOpened,
    ConversationReopened,
    Event,
    EventListener,
    MessageStored,
    VisitorTracked,
)

from chinwag.actions.base import Actor, now
from chinwag.actions.conversations import hand_off
from chinwag.actions.messages import send_message
from chinwag.actions.views import conversation_view, message_view
from chinwag.bus import EventBus
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation
from chinwag.state import state

log = logging.getLogger(__name__)


# -- responders ---------------------------------------------------------------------------------


def respond(event: Event) -> None:
    """Let bots answer a visitor's message while no human holds the conversation; a hand-off
    stops them. A bot's reply is sent like any message (and emitted in turn)."""
    assert isinstance(event, MessageStored)
    if event.message.author_kind != "visitor":
        return
    chinwag = state()
    host = chinwag.plugins
    responders = list(host.extensions(Responder.namespace))
    if not responders:
        return
    conv = db.session.get(Conversation, event.conversation_id)
    if conv is None or conv.assignee_kind == "agent" or conv.status != "open":
        return
    view, mview = conversation_view(conv), message_view(event.message)
    for record, responder in responders:
        reply = host.call(record, responder.respond, chinwag.context(record), view, mview)
        if reply is None:
            continue
        if reply.text or reply.blocks:
            bot = Actor("bot", record.name, conv.site_id, record.info.display_name)
            key = f"re-{event.message.id}-{record.name}"[:64]
            try:
                send_message(bot, conv.id, key, reply.text, [dict(b) for b in reply.blocks])
            except ApiError as exc:
                record.stats.failures += 1
                log.error("bot %s reply refused: %s", record.name, exc.message)
        if reply.handoff:
            hand_off(conv.id, f"bot:{record.name}")
            return


def _has_responders() -> bool:
    return any(True for _ in state().plugins.extensions(Responder.namespace))


# -- analytics ----------------------------------------------------------------------------------


def analytics_event(event: Event) -> AnalyticsEvent | None:
    """The analytics form of an event (the names sinks have always received), or None."""
    visitor_id = getattr(event, "visitor_id", None)
    props: dict[str, Any]
    if isinstance(event, MessageStored):
        name = "message.sent"
        props = {"author_kind": event.message.author_kind, "conversation_id": event.conversation_id}
    elif isinstance(event, ConversationOpened):
        name, props = "conversation.started", {"conversation_id": event.conversation_id}
    elif isinstance(event, ConversationClosed):
        name, props = "conversation.closed", {"conversation_id": event.conversation_id}
    elif isinstance(event, ConversationReopened):
        name, props = "conversation.open", {"conversation_id": event.conversation_id}
    elif isinstance(event, VisitorTracked):
        name, props = f"widget.{event.action}", dict(event.properties)
    elif event.name not in CATALOGUE:  # a plugin's event (ctx.publish): its fields
        name = event.name
        props = {
            f.name: getattr(event, f.name)
            for f in dataclasses.fields(event)
            if f.name not in ("site_id", "visitor_id")
        }
    else:
        return None
    return AnalyticsEvent(name, event.site_id, visitor_id, props, now())


def track(event: Event) -> None:
    """Deliver an event to every enabled analytics sink (failures isolated)."""
    chinwag = state()
    host = chinwag.plugins
    sinks = list(host.extensions(AnalyticsSink.namespace))
    if not sinks:
        return
    analytics = analytics_event(event)
    if analytics is None:
        return
    for record, sink in sinks:
        host.call(record, sink.track, chinwag.context(record), analytics)


def _has_sinks() -> bool:
    return any(True for _ in state().plugins.extensions(AnalyticsSink.namespace))


# -- plugin listeners ---------------------------------------------------------------------------


def notify_listeners(event: Event) -> None:
    """Hand an event to every enabled plugin listener that asked for its name."""
    chinwag = state()
    host = chinwag.plugins
    for record, listener in host.extensions(EventListener.namespace):
        if listener.events and event.name not in listener.events:
            continue
        host.call(record, listener.handle, chinwag.context(record), event)


def _has_listeners() -> bool:
    return any(True for _ in state().plugins.extensions(EventListener.namespace))


def subscribe(bus: EventBus) -> None:
    """Register the deferred subscribers on ``bus`` (the app's; they read its state when run)."""
    bus.subscribe(respond, names=(MessageStored.name,), deferred=True, active=_has_responders)
    bus.subscribe(track, deferred=True, active=_has_sinks, label="analytics sinks")
    bus.subscribe(notify_listeners, deferred=True, active=_has_listeners, label="plugin listeners")

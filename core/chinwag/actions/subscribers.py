"""The deferred subscribers of the bus: responders (bots), analytics sinks and plugin listeners.

They run after the action that emitted the event returned (the visitor has their ack), on a bus
worker (never the socket's reader), one event at a time per conversation, each hook isolated and
counted by the plugin host as before. :func:`subscribe` registers them on an app's bus.
"""

from __future__ import annotations

import logging

from chinwag_plugin_api import Responder
from chinwag_plugin_api.events import (
    Event,
    EventListener,
    MessageStored,
)

from chinwag.actions import analytics
from chinwag.actions.base import Actor
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


# -- analytics: the pipeline (chinwag.actions.analytics) collects; sinks get batches as jobs ------


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
    bus.subscribe(analytics.collect, deferred=True, active=analytics.has_sinks, label="analytics")
    bus.subscribe(notify_listeners, deferred=True, active=_has_listeners, label="plugin listeners")

"""The deferred subscribers of the bus: responders (bots), analytics sinks and plugin listeners.

They run after the action that emitted the event returned (the visitor has their ack), on a bus
worker (never the socket's reader), one event at a time per conversation, each hook isolated and
counted by the plugin host as before. :func:`subscribe` registers them on an app's bus.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chinwag_plugin_api import Reply, Responder
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
from chinwag.store import reads

if TYPE_CHECKING:  # a record comes from the host's extensions(); no import at run time
    from chinwag.plugins.host import PluginRecord

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
        if reply is not None and deliver(record, conv, event.message.id, reply):
            return


def reply_key(message_id: int, plugin: str) -> str:
    """The idempotency key of a bot's answer to a message: one answer per bot and message,
    whether its responder returned it or a job of the bot sent it (``ctx.answer``)."""
    return f"re-{message_id}-{plugin}"[:64]


def bot_actor(record: PluginRecord, site_id: int | None) -> Actor:
    return Actor("bot", record.name, site_id, record.info.display_name)


def answered(record: PluginRecord, conversation_id: int, message_id: int) -> bool:
    """Whether this bot's answer to the message is stored (by its responder or a job)."""
    sender = bot_actor(record, None).sender
    key = reply_key(message_id, record.name)
    return reads.by_client_id(conversation_id, sender, key) is not None


def deliver(record: PluginRecord, conv: Conversation, message_id: int, reply: Reply) -> bool:
    """Send a bot's reply to a visitor's message (once: a re-send of the same answer is
    answered from the store) and hand off when it asks; True when it handed off."""
    if reply.text or reply.blocks:
        try:
            send_message(
                bot_actor(record, conv.site_id),
                conv.id,
                reply_key(message_id, record.name),
                reply.text,
                [dict(b) for b in reply.blocks],
            )
        except ApiError as exc:
            record.stats.failures += 1
            log.error("bot %s reply refused: %s", record.name, exc.message)
    if reply.handoff:
        hand_off(conv.id, f"bot:{record.name}")
        return True
    return False


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

"""The inbox's plugin surface, on the core's side: annotations, internal notes and panels.

- :func:`annotate` / :func:`clear_annotation` / :func:`post_note` are the actions behind
  ``ctx.annotate``, ``ctx.clear_annotation`` and ``ctx.post_note`` (and the inbox's "Note"
  composer): validate, write in one short transaction, then publish
  :class:`~chinwag_plugin_api.events.AnnotationChanged` / ``NotePosted`` on the app's bus.
- :func:`fan_out` (an inline bus subscriber) sends them to the agents' room on ``/agent`` only —
  never to a visitor's room — and tells agents to reload the surface when a plugin is toggled.
- :func:`panels_for` collects the side-pane panels of enabled plugins (``chinwag.inbox``).

See chinwag_plugin_api.inbox for the plugin author's view and docs/admin.md for the agent's.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chinwag_plugin_api import InboxPanel, InboxPanels, SocketEvent, SocketHandlers
from chinwag_plugin_api.events import (
    AnnotationChanged,
    ConversationSnoozed,
    Event,
    MessageStored,
    NotePosted,
    PluginChanged,
)
from chinwag_plugin_api.inbox import DETAIL_MAX, KEY_PATTERN, LABEL_MAX, NOTE_MAX, TONES
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from chinwag import events as ev
from chinwag.actions.base import emit, now, stored_now, write_transaction
from chinwag.actions.views import conversation_view
from chinwag.annotations import WHOLE_CONVERSATION, ConversationAnnotation, annotation_dict
from chinwag.extensions import db
from chinwag.models import Conversation, Message
from chinwag.notes import InternalNote, note_dict
from chinwag.rooms import agents_room, conversation_rooms
from chinwag.rooms import emit as send_to_room
from chinwag.state import state

if TYPE_CHECKING:
    from chinwag.plugins.host import PluginHost, PluginRecord
    from chinwag.state import ChinwagState

log = logging.getLogger(__name__)
_KEY = re.compile(KEY_PATTERN)
#: what one plugin may put in the side pane of one conversation (more is refused, not cut)
MAX_PANELS = 5
MAX_COMPONENTS = 50


def enabled_plugins() -> set[str]:
    """Names of the plugins enabled now (state re-read when due): whose surface is shown."""
    return {r.name for r in state().plugins.enabled()}


def _conversation(conversation_id: int) -> Conversation:
    conv = db.session.get(Conversation, conversation_id)
    if conv is None:
        raise LookupError(f"no conversation {conversation_id}")
    return conv


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(f"key {key!r} must be 1-64 characters of A-Z a-z 0-9 _ . : -")


def _check_annotation(key: str, label: str, tone: str, detail: str | None) -> None:
    _check_key(key)
    if not isinstance(label, str) or not label.strip() or len(label) > LABEL_MAX:
        raise ValueError(f"label must be 1 to {LABEL_MAX} characters")
    if tone not in TONES:
        raise ValueError(f"tone {tone!r} is not one of {', '.join(TONES)}")
    if detail is not None and (not isinstance(detail, str) or len(detail) > DETAIL_MAX):
        raise ValueError(f"detail must be at most {DETAIL_MAX} characters")


def annotate(
    plugin: str,
    conversation_id: int,
    key: str,
    *,
    label: str,
    message_id: int | None = None,
    tone: str = "neutral",
    detail: str | None = None,
) -> dict[str, Any]:
    """Store or replace ``plugin``'s annotation ``key``; returns it as the inbox shows it."""
    _check_annotation(key, label, tone, detail)
    conv = _conversation(conversation_id)
    if message_id is not None:
        msg = db.session.get(Message, message_id)
        if msg is None or msg.conversation_id != conversation_id:
            raise LookupError(f"no message {message_id} in conversation {conversation_id}")
    where = (
        ConversationAnnotation.conversation_id == conversation_id,
        ConversationAnnotation.message_id == (message_id or WHOLE_CONVERSATION),
        ConversationAnnotation.plugin == plugin,
        ConversationAnnotation.key == key,
    )
    with write_transaction():
        row = db.session.execute(select(ConversationAnnotation).where(*where)).scalar_one_or_none()
        if row is None:
            row = ConversationAnnotation(
                conversation_id=conversation_id,
                message_id=message_id or WHOLE_CONVERSATION,
                plugin=plugin,
                key=key,
            )
            db.session.add(row)
        row.label, row.tone, row.detail, row.updated_at = label.strip(), tone, detail, now()
    out = annotation_dict(row)
    emit(AnnotationChanged(conv.site_id, conversation_id, conv.visitor_id, plugin, key, message_id))
    return out


def clear_annotation(
    plugin: str, conversation_id: int, key: str, message_id: int | None = None
) -> bool:
    """Delete ``plugin``'s annotation ``key``; False when there was none."""
    conv = db.session.get(Conversation, conversation_id)
    if conv is None:
        return False
    with write_transaction():
        result: Any = db.session.execute(
            delete(ConversationAnnotation).where(
                ConversationAnnotation.conversation_id == conversation_id,
                ConversationAnnotation.message_id == (message_id or WHOLE_CONVERSATION),
                ConversationAnnotation.plugin == plugin,
                ConversationAnnotation.key == key,
            )
        )
        gone = int(result.rowcount or 0)
    if not gone:
        return False
    emit(
        AnnotationChanged(
            conv.site_id, conversation_id, conv.visitor_id, plugin, key, message_id, cleared=True
        )
    )
    return True


def _keyed_note(conversation_id: int, plugin: str, key: str) -> InternalNote | None:
    return db.session.execute(
        select(InternalNote).where(
            InternalNote.author_plugin == plugin,
            InternalNote.conversation_id == conversation_id,
            InternalNote.key == key,
        )
    ).scalar_one_or_none()


def post_note(
    conversation_id: int,
    text: str,
    *,
    user_id: int | None = None,
    plugin: str | None = None,
    author_name: str = "",
    key: str | None = None,
) -> dict[str, Any]:
    """Add an internal note by an agent (``user_id``) or a plugin (``plugin``).

    With a ``key`` (plugins only) at most one note is stored per (plugin, conversation, key):
    when one is stored already, it is returned and nothing is stored or sent. Two callers racing
    with the same key both pass the look-up; the unique index refuses the second insert, which
    then returns the first caller's note."""
    if not isinstance(text, str) or not text.strip() or len(text) > NOTE_MAX:
        raise ValueError(f"a note is 1 to {NOTE_MAX} characters")
    if key is not None:
        _check_key(key)
        if plugin is None:
            raise ValueError("only a plugin's note may have a key")
    conv = _conversation(conversation_id)
    if key is not None and plugin is not None:
        found = _keyed_note(conversation_id, plugin, key)
        if found is not None:
            return note_dict(found)
    try:
        with write_transaction():
            row = InternalNote(
                conversation_id=conversation_id,
                author_kind="plugin" if plugin else "agent",
                author_user_id=user_id,
                author_plugin=plugin,
                author_name=author_name[:200],
                text=text.strip(),
                key=key,
                created_at=now(),
            )
            db.session.add(row)
    except IntegrityError:
        found = _keyed_note(conversation_id, plugin, key) if plugin and key else None
        if found is None:
            raise
        return note_dict(found)  # another worker stored it between our look-up and insert
    by = f"plugin:{plugin}" if plugin else f"agent:{user_id}"
    emit(NotePosted(conv.site_id, conversation_id, conv.visitor_id, row.id, by))
    return note_dict(row)


# -- snooze -------------------------------------------------------------------------------------


def snooze(conversation_id: int, until: datetime | None, by: str) -> Conversation:
    """Hide an open conversation from the inbox's open list until ``until`` (None: wake it now).
    Expiry needs no job: the list compares ``snoozed_until`` with the clock when it is read."""
    conv = _conversation(conversation_id)
    with write_transaction():
        conv.snoozed_until = until
        conv.updated_at = now()
    if until is not None:
        probe = state().extras.get(PROBE)
        if isinstance(probe, SnoozeProbe):
            probe.snoozed()
    emit(ConversationSnoozed(conv.site_id, conv.id, conv.visitor_id, by, until=until))
    return conv


class SnoozeProbe:
    """Whether any conversation is snoozed: read at most every ``ttl`` seconds (an indexed
    ``LIMIT 1``), and set at once by a snooze in this process, so that while nothing is snoozed
    (nearly always) a visitor's message queues no deferred work at all. One per app's bus. A
    snooze made in another process is seen within ``ttl``."""

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self.value = False
        self.read_at = -ttl

    def __call__(self) -> bool:
        if time.monotonic() - self.read_at > self.ttl:
            found = db.session.execute(
                select(Conversation.id).where(Conversation.snoozed_until.is_not(None)).limit(1)
            ).first()
            self.value, self.read_at = found is not None, time.monotonic()
        return self.value

    def snoozed(self) -> None:
        self.value, self.read_at = True, time.monotonic()


def wake_on_visitor_message(event: Event) -> None:
    """A visitor writing to a snoozed conversation brings it back at once (after the ack, on a
    bus worker: one primary-key read per visitor message, no write unless it was snoozed)."""
    assert isinstance(event, MessageStored)
    if event.message.author_kind != "visitor" or event.new_conversation:
        return
    until = db.session.execute(
        select(Conversation.snoozed_until).where(Conversation.id == event.conversation_id)
    ).scalar_one_or_none()
    if until is None:
        return
    if until.tzinfo is None and stored_now().tzinfo is not None:
        until = until.replace(tzinfo=stored_now().tzinfo)
    if until > stored_now():
        snooze(event.conversation_id, None, f"visitor:{event.visitor_id}")


# -- fan-out ------------------------------------------------------------------------------------


def _annotation_changed(event: AnnotationChanged) -> None:
    annotation = None
    if not event.cleared:
        if not state().plugins.is_enabled(event.plugin):
            return  # a disabled plugin's job still annotating: stored, not shown
        row = db.session.execute(
            select(ConversationAnnotation).where(
                ConversationAnnotation.conversation_id == event.conversation_id,
                ConversationAnnotation.message_id == (event.message_id or WHOLE_CONVERSATION),
                ConversationAnnotation.plugin == event.plugin,
                ConversationAnnotation.key == event.key,
            )
        ).scalar_one_or_none()
        if row is None:
            return
        annotation = annotation_dict(row)
    body = {
        "conversation_id": event.conversation_id,
        "message_id": event.message_id,
        "plugin": event.plugin,
        "key": event.key,
        "annotation": annotation,
    }
    send_to_room(ev.ANNOTATION_UPDATE, body, conversation_rooms(event.conversation_id), ev.AGENT)


def _note_posted(event: NotePosted) -> None:
    row = db.session.get(InternalNote, event.note_id)
    if row is not None and (
        row.author_plugin is None or state().plugins.is_enabled(row.author_plugin)
    ):
        rooms = conversation_rooms(row.conversation_id)
        send_to_room(ev.NOTE_NEW, {"note": note_dict(row)}, rooms, ev.AGENT)


def fan_out(event: Event) -> None:
    """Send inbox-surface events to the agents' room (never a visitor's)."""
    if isinstance(event, AnnotationChanged):
        _annotation_changed(event)
    elif isinstance(event, NotePosted):
        _note_posted(event)
    elif isinstance(event, PluginChanged):
        send_to_room(ev.SURFACE_CHANGED, {"plugin": event.plugin}, agents_room(), ev.AGENT)


PROBE = "inbox_surface.snooze_probe"


def subscribe(chinwag: ChinwagState) -> None:
    """Register the fan-out (inline) and the snooze wake-up (deferred, only while any
    conversation is snoozed) on an app's bus."""
    probe = chinwag.extras[PROBE] = SnoozeProbe()
    bus = chinwag.bus
    bus.subscribe(
        fan_out,
        names=(AnnotationChanged.name, NotePosted.name, PluginChanged.name),
        label="inbox surface fan-out",
    )
    bus.subscribe(
        wake_on_visitor_message,
        names=(MessageStored.name,),
        deferred=True,
        active=probe,
        label="snoozed conversations woken by the visitor",
    )


# -- panels -------------------------------------------------------------------------------------


def _agent_events(host: PluginHost, record: PluginRecord) -> set[str]:
    names: set[str] = set()
    for provider in record.extensions.get(SocketHandlers.namespace, []):
        specs: list[SocketEvent] = host.call(record, provider.events, default=[]) or []
        names.update(s.name for s in specs if "/agent" in s.namespaces)
    return names


def _events_in(value: Any) -> list[str]:
    """Every socket event the components' actions send."""
    if isinstance(value, dict):
        found = [value["event"]] if isinstance(value.get("event"), str) else []
        return found + [e for v in value.values() for e in _events_in(v)]
    if isinstance(value, list):
        return [e for v in value for e in _events_in(v)]
    return []


def panels_for(conversation_id: int) -> list[dict[str, Any]]:
    """The side-pane panels of enabled plugins for a conversation, checked: a panel whose
    actions name an event the plugin does not answer on ``/agent`` drops that plugin's panels."""
    chinwag = state()
    host = chinwag.plugins
    view = conversation_view(_conversation(conversation_id))
    out: list[dict[str, Any]] = []
    for record, provider in host.extensions(InboxPanels.namespace):
        declared: Sequence[InboxPanel] = (
            host.call(record, provider.panels, chinwag.context(record), view, default=[]) or []
        )
        try:
            data = []
            if len(declared) > MAX_PANELS:
                raise ValueError(f"{len(declared)} panels (at most {MAX_PANELS})")
            for panel in declared:
                if not isinstance(panel, InboxPanel):
                    raise TypeError(f"{panel!r} is not an InboxPanel")
                item = panel.as_dict()
                if len(item["components"]) > MAX_COMPONENTS:
                    raise ValueError(f"panel {panel.key!r}: at most {MAX_COMPONENTS} components")
                unknown = set(_events_in(item["components"])) - _agent_events(host, record)
                if unknown:
                    raise ValueError(f"events {sorted(unknown)} are not its /agent socket events")
                data.append(item)
        except (TypeError, ValueError) as exc:
            host._failed(record, f"inbox panels refused: {exc}")
            continue
        for item in data:
            out.append(
                {
                    "id": f"{record.name}:{item['key']}",
                    "plugin": record.name,
                    "plugin_name": record.info.display_name,
                    **item,
                }
            )
    return out

"""Typed events: what happened in Chinwag, after it was committed.

Every state change of the core is one of these events, named ``resource.action``. The core's
actions produce them after their transaction commits and hand them to the app's event bus; the
Socket.IO fan-out, the inbox event log, analytics sinks, responders and plugin listeners
(:class:`EventListener`) all receive the same objects. The catalogue (:data:`CATALOGUE`) is
generated into the core's ``events.json`` and into docs/plugins.md with every field.

A listener never runs before the visitor's acknowledgement and never on the socket that sent the
message; events of one conversation reach a listener one at a time, in the order they happened.

Plugins declare events of their own the same way (*plugin events*): a frozen dataclass subclassing
:class:`Event`, named ``<prefix>.<what_happened>`` where the prefix is the plugin's distribution
name without ``chinwag-`` (:func:`event_prefix`: ``chinwag-feedback`` publishes
``feedback.rating_given``), registered under the entry-point group :data:`EVENTS_NAMESPACE` and
handed to the bus with ``ctx.publish(event)``. Listeners and analytics sinks receive them like the
core's; the generated catalogue lists them with their distribution.
"""

from __future__ import annotations

import dataclasses
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from chinwag_plugin_api.values import Event as Event

if TYPE_CHECKING:
    from chinwag_plugin_api.context import PluginContext


@dataclass(frozen=True)
class StoredMessage:
    """A message as it was stored.

    :param id: the message's server id.
    :param seq: its place in the conversation (1, 2, 3, ... without gaps).
    :param client_msg_id: the sender's idempotency key (None for messages without one).
    :param author_kind: ``visitor``, ``agent`` or ``bot``.
    :param author_name: the agent's or bot's display name (None for visitors).
    :param annotations: facts processors attached (e.g. a detected language).
    :param visitor_text: what the visitor wrote, when an ``AgentView`` hook masked ``text`` and
        ``blocks`` for agents (None: the same). For the visitor's own copy only: never show it to
        agents or send it anywhere. Added in 1.5.
    :param visitor_blocks: the visitor's blocks, likewise.
    """

    id: int
    conversation_id: int
    seq: int
    client_msg_id: str | None
    author_kind: str
    author_name: str | None
    text: str
    blocks: tuple[Mapping[str, Any], ...]
    annotations: Mapping[str, Any]
    created_at: datetime
    visitor_text: str | None = None
    visitor_blocks: tuple[Mapping[str, Any], ...] | None = None


@dataclass(frozen=True)
class MessageStored(Event):
    """A message was stored (by a visitor, an agent or a bot).

    :param conversation_id: its conversation.
    :param visitor_id: the visitor whose conversation it is.
    :param message: the stored message, with its id and seq.
    :param new_conversation: the message opened its conversation.
    :param inbox_event_id: the id of its entry in the agents' inbox event log.
    """

    name: ClassVar[str] = "message.stored"
    conversation_id: int
    visitor_id: int
    message: StoredMessage
    new_conversation: bool = False
    inbox_event_id: int | None = None


@dataclass(frozen=True)
class ConversationEvent(Event):
    """The fields of every conversation change.

    :param conversation_id: the conversation.
    :param visitor_id: its visitor.
    :param by: who changed it (``visitor:<id>``, ``agent:<id>``, ``bot:<plugin>``), if anyone.
    :param inbox_event_id: the id of its entry in the agents' inbox event log, if it has one.
    """

    conversation_id: int
    visitor_id: int
    by: str | None = None
    inbox_event_id: int | None = None


@dataclass(frozen=True)
class ConversationOpened(ConversationEvent):
    """A conversation was opened by its first message (published right after that message's
    :class:`MessageStored`, which has ``new_conversation`` set)."""

    name: ClassVar[str] = "conversation.opened"


@dataclass(frozen=True)
class ConversationAssigned(ConversationEvent):
    """A conversation was assigned to an agent, or unassigned.

    :param user_id: the agent it is assigned to (None: unassigned).
    """

    name: ClassVar[str] = "conversation.assigned"
    user_id: int | None = None


@dataclass(frozen=True)
class ConversationHandedOff(ConversationEvent):
    """A bot handed the conversation to human agents; bots stop answering it."""

    name: ClassVar[str] = "conversation.handed_off"


@dataclass(frozen=True)
class ConversationClosed(ConversationEvent):
    """A conversation was closed."""

    name: ClassVar[str] = "conversation.closed"


@dataclass(frozen=True)
class ConversationReopened(ConversationEvent):
    """A closed conversation was reopened."""

    name: ClassVar[str] = "conversation.reopened"


@dataclass(frozen=True)
class ConversationRead(ConversationEvent):
    """The visitor or the agents read a conversation up to ``seq``.

    :param reader: ``visitor`` or ``agent``.
    :param seq: the last message read.
    """

    name: ClassVar[str] = "conversation.read"
    reader: str = "visitor"
    seq: int = 0


@dataclass(frozen=True)
class TypingChanged(Event):
    """Someone started or stopped typing in a conversation (not stored).

    :param conversation_id: the conversation.
    :param visitor_id: its visitor.
    :param author_kind: who types: ``visitor`` or ``agent``.
    :param typing: True while typing.
    """

    name: ClassVar[str] = "typing.changed"
    conversation_id: int
    visitor_id: int
    author_kind: str
    typing: bool


@dataclass(frozen=True)
class VisitorTracked(Event):
    """The widget reported something the visitor did (opened the chat, ...); for analytics.

    :param visitor_id: the visitor.
    :param action: what the widget reported (``opened``, ``closed``, ...).
    :param properties: the widget's details.
    """

    name: ClassVar[str] = "visitor.tracked"
    visitor_id: int
    action: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WidgetLoaded(Event):
    """The chat was served to a page: the widget's chat frame (or the full-page chat) booted,
    whether or not the visitor ever opens it. It names no visitor (a page view without a
    session has none, and no cookie is set to make one); for analytics. Added in 1.6.

    :param mode: ``frame`` (the widget on a site's page) or ``page`` (the full-page chat).
    :param shareable: whether third-party analytics sinks may get it: False on a site that
        requires consent (``consent_required``), where nobody has consented on a page view yet.
    """

    name: ClassVar[str] = "widget.loaded"
    mode: str = "frame"
    shareable: bool = True


@dataclass(frozen=True)
class VisitorUpdated(Event):
    """A visitor's details changed (a widget session started: name, email, page, consent).

    :param visitor_id: the visitor.
    """

    name: ClassVar[str] = "visitor.updated"
    visitor_id: int


@dataclass(frozen=True)
class VisitorErased(Event):
    """A visitor and their conversations were erased (a privacy request).

    :param visitor_id: the erased visitor's former id.
    :param by: the admin who erased them (``agent:<id>``).
    """

    name: ClassVar[str] = "visitor.erased"
    visitor_id: int
    by: str | None = None


@dataclass(frozen=True)
class SiteChanged(Event):
    """A site was created, changed (settings, origins, secrets) or deleted.

    :param action: ``created``, ``updated`` or ``deleted``.
    :param by: who changed it (``agent:<id>``; None from the CLI).
    """

    name: ClassVar[str] = "site.changed"
    action: str = "updated"
    by: str | None = None


@dataclass(frozen=True)
class UserChanged(Event):
    """An agent or admin account was created, changed or disabled.

    :param user_id: the account.
    :param action: ``created``, ``updated`` or ``disabled``.
    :param by: who changed it (``agent:<id>``; None from the CLI).
    """

    name: ClassVar[str] = "user.changed"
    user_id: int = 0
    action: str = "updated"
    by: str | None = None


@dataclass(frozen=True)
class PluginChanged(Event):
    """A plugin was enabled, disabled or configured.

    :param plugin: the plugin's distribution name.
    :param action: ``enabled``, ``disabled`` or ``configured``.
    :param by: who changed it (``agent:<id>``; None from the CLI).
    """

    name: ClassVar[str] = "plugin.changed"
    plugin: str = ""
    action: str = "configured"
    by: str | None = None


@dataclass(frozen=True)
class ConversationSnoozed(ConversationEvent):
    """An agent snoozed a conversation until a time, or woke it (``until`` None); a visitor's
    message wakes it too (``by`` is then the visitor).

    :param until: when it comes back to the open list (None: awake now).
    """

    name: ClassVar[str] = "conversation.snoozed"
    until: datetime | None = None


@dataclass(frozen=True)
class AnnotationChanged(Event):
    """A plugin set, replaced or cleared an annotation on a conversation or one of its messages
    (``ctx.annotate`` / ``ctx.clear_annotation``); agents see it at once, visitors never.

    :param conversation_id: the conversation.
    :param visitor_id: its visitor.
    :param plugin: the plugin that owns the annotation.
    :param key: the plugin's key of the annotation.
    :param message_id: the message it is about (None: the whole conversation).
    :param cleared: True when it was removed.
    """

    name: ClassVar[str] = "annotation.changed"
    conversation_id: int
    visitor_id: int
    plugin: str
    key: str
    message_id: int | None = None
    cleared: bool = False


@dataclass(frozen=True)
class NotePosted(Event):
    """An agent or a plugin added an internal note to a conversation (agents only; a note is not
    a message and never reaches the visitor).

    :param conversation_id: the conversation.
    :param visitor_id: its visitor.
    :param note_id: the note's id.
    :param by: who wrote it (``agent:<id>`` or ``plugin:<name>``).
    """

    name: ClassVar[str] = "note.posted"
    conversation_id: int
    visitor_id: int
    note_id: int
    by: str


@dataclass(frozen=True)
class AgentAvailabilityChanged(Event):
    """An agent's availability changed: they set it in the inbox, went idle (automatic away
    after ``CHINWAG_AGENT_IDLE_MINUTES``), came back, or closed their last inbox (offline).
    Published once across server processes.

    :param user_id: the agent.
    :param status: ``online``, ``away`` or ``offline`` now.
    :param previous: what it was before.
    :param reason: ``set`` (by the agent), ``idle``, ``active``, ``connected`` or ``disconnected``.
    """

    name: ClassVar[str] = "agent.availability_changed"
    user_id: int = 0
    status: str = "offline"
    previous: str = "offline"
    reason: str = "set"


#: every event by name: the one catalogue (generated into events.json and docs/plugins.md)
CATALOGUE: dict[str, type[Event]] = {
    cls.name: cls
    for cls in (
        MessageStored,
        ConversationOpened,
        ConversationAssigned,
        ConversationHandedOff,
        ConversationClosed,
        ConversationReopened,
        ConversationRead,
        TypingChanged,
        VisitorTracked,
        WidgetLoaded,
        VisitorUpdated,
        VisitorErased,
        SiteChanged,
        UserChanged,
        PluginChanged,
        ConversationSnoozed,
        AnnotationChanged,
        NotePosted,
        AgentAvailabilityChanged,
    )
}


#: the entry-point group under which a plugin declares its event classes
#: (``rating_given = chinwag_feedback.events:RatingGiven``)
EVENTS_NAMESPACE = "chinwag.events"

#: the first part of the core's event names: a plugin's prefix may not be one of them
CORE_PREFIXES: frozenset[str] = frozenset(name.split(".")[0] for name in CATALOGUE) | {
    "widget",
    "inbox",
}

_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")


def event_prefix(plugin_name: str) -> str:
    """The prefix a plugin's event names must start with: its distribution name without
    ``chinwag-``, dashes as underscores (``chinwag-answer-bot`` -> ``answer_bot``)."""
    name = plugin_name.lower().replace("_", "-")
    return name.removeprefix("chinwag-").replace("-", "_")


def plugin_event_problem(plugin_name: str, cls: object) -> str | None:
    """Why ``cls`` cannot be one of ``plugin_name``'s events, or None when it can: it must be a
    frozen dataclass subclassing :class:`Event` whose ``name`` is ``<prefix>.<what_happened>``
    (lower case, :func:`event_prefix`), outside the core's names."""
    if not (isinstance(cls, type) and issubclass(cls, Event) and cls is not Event):
        return f"{cls!r} is not a subclass of chinwag_plugin_api.Event"
    params = getattr(cls, "__dataclass_params__", None)
    if "__dataclass_fields__" not in vars(cls) or params is None or not params.frozen:
        return f"{cls.__name__} is not a frozen dataclass (@dataclass(frozen=True))"
    prefix = event_prefix(plugin_name)
    name = cls.name
    if not isinstance(name, str) or not _NAME.match(name):
        return f"{cls.__name__}.name {name!r} is not '<prefix>.<what_happened>' in lower case"
    if name.split(".")[0] != prefix or prefix in CORE_PREFIXES:
        return f"{cls.__name__}.name {name!r} is outside the plugin's prefix '{prefix}.'"
    return None


def event_fields(cls: type[Event]) -> dict[str, str]:
    """An event's fields and their types, as the catalogue shows them."""
    return {f.name: str(f.type) for f in dataclasses.fields(cls)}


class EventListener(ABC):
    """Receive typed events after they were committed (every event and its fields: docs/events.md).

    Runs after the visitor's acknowledgement, off the socket, isolated like every hook: a listener
    that raises or is slow is logged and counted in the admin's plugin health, and chat goes on.
    Events of one conversation arrive one at a time, in order; the listener may write its own
    tables through ``ctx.db_session`` (and commit them).

    :param events: the names of the events to receive (see :data:`CATALOGUE`); empty: all.
    """

    namespace = "chinwag.event_listeners"
    events: tuple[str, ...] = ()

    @abstractmethod
    def handle(self, ctx: PluginContext, event: Event) -> None:
        """React to one event.

        :param ctx: the plugin's context.
        :param event: the event, an instance of one of the classes of :data:`CATALOGUE`.
        """


@dataclass(frozen=True)
class AnalyticsSpec:
    """One event of the analytics catalogue: what analytics sinks receive under ``name``.

    :param source: the typed event it is made from (``"plugin"``: a plugin's own event).
    :param meaning: when it is sent.
    :param properties: each property and its meaning.
    """

    name: str
    source: str
    meaning: str
    properties: Mapping[str, str]


#: properties only a site that opted in (widget setting ``analytics_fields``) sends
OPT_IN_FIELDS: dict[str, str] = {
    "text": "message text (`message.sent`)",
    "email": "the visitor's e-mail address (every event of a visitor who gave one)",
}

_CONV = {"conversation_id": "the conversation"}

#: the analytics catalogue (docs/analytics.md is generated from it, with the plugins' events)
ANALYTICS: dict[str, AnalyticsSpec] = {
    spec.name: spec
    for spec in (
        AnalyticsSpec(
            "widget.session_started",
            "visitor.updated",
            "the widget started a session (the chat was opened or resumed on a page)",
            {},
        ),
        AnalyticsSpec(
            "conversation.started",
            "conversation.opened",
            "a visitor's first message opened a conversation",
            _CONV,
        ),
        AnalyticsSpec(
            "message.sent",
            "message.stored",
            "a message was stored",
            {
                **_CONV,
                "author_kind": "`visitor`, `agent` or `bot`",
                "seq": "its place in the conversation",
                "text": "its text (opt-in field)",
            },
        ),
        AnalyticsSpec(
            "conversation.first_response",
            "message.stored",
            "the first agent or bot message of a conversation",
            {
                **_CONV,
                "author_kind": "`agent` or `bot`",
                "seconds": "seconds since the conversation started",
            },
        ),
        AnalyticsSpec(
            "conversation.handed_off",
            "conversation.handed_off",
            "a bot handed the conversation to human agents",
            {**_CONV, "by": "`bot:<plugin>`"},
        ),
        AnalyticsSpec(
            "conversation.assigned",
            "conversation.assigned",
            "a conversation was assigned to an agent, or unassigned",
            {**_CONV, "assigned": "true when it now has an agent"},
        ),
        AnalyticsSpec(
            "conversation.closed",
            "conversation.closed",
            "a conversation was closed",
            {**_CONV, "by_kind": "`visitor`, `agent` or `bot`", "seconds": "since it started"},
        ),
        AnalyticsSpec(
            "conversation.reopened",
            "conversation.reopened",
            "a closed conversation was reopened",
            {**_CONV, "by_kind": "`visitor`, `agent` or `bot`"},
        ),
        AnalyticsSpec(
            "widget.loaded",
            "widget.loaded",
            "the chat was served to a page (every page view where the chat frame booted, opened "
            "or not; counted by the server, of no visitor: `visitor_id` and `distinct_id` are "
            "None; third-party sinks get it only from sites that do not require consent)",
            {"mode": "`frame` (the widget on a site's page) or `page` (the full-page chat)"},
        ),
        AnalyticsSpec(
            "widget.opened",
            "visitor.tracked",
            "the visitor opened the chat panel (the launcher, `Chinwag('open')`)",
            {"unread": "messages to the visitor they had not read yet"},
        ),
        AnalyticsSpec(
            "widget.closed",
            "visitor.tracked",
            "the visitor closed the chat panel (its close button, Escape, the launcher)",
            {"seconds": "how long the panel was open"},
        ),
        AnalyticsSpec(
            "widget.<name>",
            "visitor.tracked",
            "the host page called `Chinwag('track', name, props)` (or the widget reported "
            "something, e.g. `widget.rating.submitted`)",
            {
                "(props)": "the page's properties: at most 50, keys of 1-64 characters other "
                "than `name`, `site_id`, `visitor_id`, values strings (at most 500 characters), "
                "numbers, booleans or null"
            },
        ),
    )
}

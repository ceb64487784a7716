"""Every extension point of Chinwag, declared once.

Each class here is one entry-point namespace (its ``namespace`` attribute). A plugin distribution
registers implementations under those namespaces in its package metadata, for example::

    [options.entry_points]
    chinwag.plugins =
        media = chinwag_media.plugin:INFO
    chinwag.routes =
        media = chinwag_media.routes:MediaRoutes

The core loads its own defaults through the same namespaces. The plugin-author reference
(docs/plugins.md) is generated from the docstrings below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, ClassVar

from marshmallow import Schema

from chinwag_plugin_api.agent_view import AgentView
from chinwag_plugin_api.content import ContentCheck
from chinwag_plugin_api.events import EventListener
from chinwag_plugin_api.inbox import InboxPanels
from chinwag_plugin_api.storage import StorageDriver as StorageDriver
from chinwag_plugin_api.theme import ThemeCheck
from chinwag_plugin_api.versions import added
from chinwag_plugin_api.widget import WidgetFeatures

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from chinwag_plugin_api.context import (
        AnalyticsEvent,
        ConversationView,
        MessageDraft,
        MessageView,
        PluginContext,
        Reply,
        VisitorRef,
    )


class RoutesProvider(ABC):
    """HTTP routes of a plugin, mounted at start-up under ``/api/v1/plugins/<plugin-name>``.

    A disabled plugin's routes answer 404 (checked on every request), so toggling needs no restart.

    :cvar url_prefix: mount point instead of the default (the web admin claims ``/admin``).
    """

    namespace: ClassVar[str] = "chinwag.routes"
    url_prefix: ClassVar[str | None] = None

    @abstractmethod
    def blueprint(self) -> Blueprint:
        """Return the Flask blueprint holding the routes.

        Inside a view, :func:`~chinwag_plugin_api.current_context` is this plugin's context (the
        1.0 spelling ``flask.g.chinwag_plugin`` still works in 1.x and warns).
        """


class AdminPage(ABC):
    """A page of the web admin contributed by a plugin, with its navigation entry.

    :cvar slug: the page's URL segment: ``/admin/plugins/<plugin-name>/<slug>``.
    :cvar title: the navigation label.
    :cvar roles: roles allowed to see it (``admin``, ``agent``).
    """

    namespace: ClassVar[str] = "chinwag.admin_pages"
    slug: ClassVar[str]
    title: ClassVar[str]
    roles: ClassVar[tuple[str, ...]] = ("admin",)

    @abstractmethod
    def render(self, ctx: PluginContext) -> str:
        """Return the page body as HTML. Escape every value that did not come from the plugin.

        The page's query string reaches the request (``flask.request.args``: filters kept in
        the URL), and the web admin sends the browser's IANA time zone in the
        ``X-Chinwag-Time-Zone`` header (validate it; other clients may send none), so a page
        showing days or hours can default to the viewer's zone."""


@dataclass(frozen=True)
class SocketEvent:
    """One client-to-server Socket.IO event contributed by a plugin.

    :param name: ``<plugin>.<action>``; plain names are reserved for the core protocol.
    :param schema: validates the payload; unknown fields are rejected.
    :param handler: ``handler(ctx, payload, actor)`` returns the acknowledgement's data.
    :param namespaces: the Socket.IO namespaces it is offered on (``/widget``, ``/agent``).
    """

    name: str
    schema: type[Schema]
    handler: Callable[[PluginContext, dict[str, Any], Mapping[str, Any]], Mapping[str, Any]]
    namespaces: tuple[str, ...] = ("/widget", "/agent")


class SocketHandlers(ABC):
    """Socket.IO events a plugin answers; the core validates, authenticates and acknowledges them."""

    namespace: ClassVar[str] = "chinwag.socket_events"

    @abstractmethod
    def events(self) -> list[SocketEvent]:
        """Return the events this plugin handles."""


class InboundProcessor(ABC):
    """Sees every message a visitor or agent sends, before it is stored.

    Processors run in plugin order. One that raises :class:`~chinwag_plugin_api.Refused` stops
    the message with its code and message; one that fails otherwise is skipped and reported.
    """

    namespace: ClassVar[str] = "chinwag.inbound"

    @abstractmethod
    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        """Return the draft, changed or not."""


class OutboundProcessor(ABC):
    """Sees every message produced by an agent or bot before it is stored and delivered."""

    namespace: ClassVar[str] = "chinwag.outbound"

    @abstractmethod
    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        """Return the draft, changed or not."""


class Responder(ABC):
    """A bot: answers visitor messages of conversations that no human agent holds."""

    namespace: ClassVar[str] = "chinwag.responders"

    @abstractmethod
    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        """Return a reply, or None to stay silent. ``Reply(handoff=True)`` hands over to humans.

        Like every hook it has the host's budget (``CHINWAG_HOOK_TIMEOUT_MS``, 2 s). Slower work
        (a language model) goes to a job: return None after ``ctx.run_in_background(job, ctx,
        conversation.id, message.id)``; the job answers with ``ctx.answer`` (added in 1.6),
        once however often it runs."""


class BlockType(ABC):
    """A kind of message block the widget can render (text, card, rating form, ...).

    The widget has a fixed vocabulary; a block type validates block data on the server so no
    untrusted structure reaches the widget.

    :cvar name: the block's ``type`` value.
    :cvar schema: validates the block's fields (unknown fields rejected).
    """

    namespace: ClassVar[str] = "chinwag.blocks"
    name: ClassVar[str]
    schema: ClassVar[type[Schema]]


class AnalyticsSink(ABC):
    """Receives product events (conversation started, message sent, widget opened, ...; the
    catalogue: docs/analytics.md).

    Delivered in batches on the job queue, after the data change has committed: never on the
    chat's path, so a slow or failing sink never slows chat. A batch that raises is retried with
    back-off (the events it did not take, in order); events waiting while the sink is down are
    kept up to a bound (``CHINWAG_ANALYTICS_BUFFER``) and counted as dropped beyond it, and a
    batch that fails every attempt counts as dead letters: both in the plugin's health.

    :cvar first_party: True for a sink that keeps events inside Chinwag's own database; a
        third-party sink (the default) never receives an event of a visitor without consent
        (``ctx.has_consent``), checked by the core before delivery.

    Sinks shipped with Chinwag: ``chinwag-mixpanel`` (docs/mixpanel.md) and ``chinwag-ga4``
    (docs/ga4.md), both third-party and off by default.
    """

    namespace: ClassVar[str] = "chinwag.analytics"
    first_party: ClassVar[bool] = False

    @abstractmethod
    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        """Forward one event."""

    @added("1.2")
    def track_batch(self, ctx: PluginContext, events: Sequence[AnalyticsEvent]) -> None:
        """Forward several events at once (one request to the service); raise to have the whole
        batch retried. Not overridden, the core calls ``track`` for each event in order and
        retries from the first one that raised."""
        for event in events:
            self.track(ctx, event)


class ScheduledJob(ABC):
    """Work that runs periodically on Chinwag's job queue (e.g. retention sweeps).

    Each interval's run is queued once across every process and runs in one worker (docs/jobs.md);
    a run that raises is retried with back-off and counted in the plugin's health ("jobs").

    :cvar interval: seconds between runs.
    """

    namespace: ClassVar[str] = "chinwag.jobs"
    interval: ClassVar[int] = 3600

    @abstractmethod
    def run(self, ctx: PluginContext) -> None:
        """Do one run. Keep it idempotent: a run whose worker died is run again."""


@added("1.2")
@dataclass(frozen=True)
class ExportedFile:
    """One stored file of a visitor, copied into their export archive.

    :param path: where it goes inside the archive's ``files/<plugin>/`` folder, e.g.
        ``"42/photo.jpg"`` (relative, ``/``-separated; the host refuses ``..`` and absolute paths).
    :param open: called once, while the archive is written, for the file's bytes (a stream the host
        closes), so a large export never holds every file in memory.
    :param content_type: the file's media type, listed in the archive's manifest.
    """

    path: str
    open: Callable[[], IO[bytes]]
    content_type: str = "application/octet-stream"


class PrivacyHandler(ABC):
    """Export and erase the data a plugin keeps about a visitor, so privacy requests cover it.

    The contract (ordering, transactions, files, third-party deletion requests) is in
    docs/privacy.md."""

    namespace: ClassVar[str] = "chinwag.privacy"

    @abstractmethod
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        """Return everything the plugin holds about the visitor, JSON-serialisable."""

    @abstractmethod
    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        """Delete everything the plugin holds about the visitor, including stored files."""

    @added("1.2")
    def export_files(self, ctx: PluginContext, visitor: VisitorRef) -> Iterable[ExportedFile]:
        """The visitor's stored files, copied into the export archive beside the JSON.

        Called after :meth:`export`; the default is none. Name each file in :meth:`export`'s data
        too (with its archive path), so the JSON says what each file is."""
        return ()

    @added("1.2")
    def erase_conversations(self, ctx: PluginContext, conversation_ids: Sequence[int]) -> None:
        """Delete what the plugin keeps about these conversations (rows and stored files):
        the retention job is about to delete them (conversations older than the site's window
        and not on legal hold). Called before the core's rows go, at most a few hundred ids at a
        time. The default does nothing: rows with ``ON DELETE CASCADE`` go with the conversation,
        but stored files stay unless you delete them here."""
        return None


@added("1.3")
class CliCommands(ABC):
    """Commands of a plugin in the ``chinwag`` command line: ``chinwag <name> ...``.

    The group is listed by ``chinwag --help`` while the plugin is loaded and enabled. A name the
    core uses (``db``, ``plugins``, ...) or another plugin's name too is refused (shown on
    stderr, as is a ``commands()`` that raises or returns no click command); the core's own
    commands keep working whatever a plugin does. Added in 1.3.
    """

    namespace: ClassVar[str] = "chinwag.cli"

    @abstractmethod
    def commands(self) -> click.Command:
        """Return a ``click.Group`` (or a single ``click.Command``); its ``name`` is the word
        after ``chinwag``. Its commands run inside the app's context: ``current_context()`` is
        this plugin's :class:`~chinwag_plugin_api.PluginContext` (``ctx.db_session`` commits
        are the command's own). Build the group inside the method, not at import time."""


#: every extension point by namespace; the host loads exactly these namespaces
EXTENSION_POINTS: dict[str, type[Any]] = {
    cls.namespace: cls
    for cls in (
        RoutesProvider,
        AdminPage,
        SocketHandlers,
        InboundProcessor,
        OutboundProcessor,
        Responder,
        BlockType,
        StorageDriver,
        AnalyticsSink,
        ScheduledJob,
        PrivacyHandler,
        WidgetFeatures,
        EventListener,
        InboxPanels,
        ThemeCheck,
        CliCommands,
        ContentCheck,  # added in 1.4
        AgentView,  # added in 1.5
    )
}

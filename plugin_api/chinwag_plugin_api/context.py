"""What the core hands to a plugin's hooks: read-only views and the services a plugin may use."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from chinwag_plugin_api.versions import added

T = TypeVar("T")

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.orm import Session

    from chinwag_plugin_api.storage import StorageDriver
    from chinwag_plugin_api.values import Advice, Event


@dataclass(frozen=True)
class VisitorRef:
    """A visitor as plugins see them: ids and the attributes the visitor or site supplied.

    ``page_url``, ``referrer`` and ``locale`` are what the widget last reported (the page the
    visitor is on, the page that sent them there, the browser's language tag, e.g. ``de-CH``);
    None when the widget did not send them. Added in 1.3.
    """

    id: int
    site_id: int
    external_id: str | None = None
    verified: bool = False
    attributes: Mapping[str, Any] = field(default_factory=dict)
    page_url: str | None = None
    referrer: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class SiteRef:
    """A site as plugins see it: what an admin picks a site by, never its keys (no site key,
    no identity secret). Added in 1.5.

    :param allowed_origins: the origins that may embed its widget.
    :param identity_required: whether visitors must carry a signed identity.
    """

    id: int
    name: str
    allowed_origins: tuple[str, ...] = ()
    identity_required: bool = False


@dataclass(frozen=True)
class AgentRef:
    """An agent or admin as plugins see them: their user id and the name visitors see (their
    display name, else their name); never an e-mail address. Added in 1.3."""

    id: int
    name: str


@dataclass(frozen=True)
class ConversationView:
    """A conversation as plugins see it.

    ``team_id`` is the team the conversation is routed to (``chinwag.teams``), None when it
    has none; a report plugin groups by it. Added in 1.4.
    """

    id: int
    site_id: int
    visitor: VisitorRef
    status: str
    assignee_kind: str | None = None
    assignee_id: str | None = None
    team_id: int | None = None


@dataclass(frozen=True)
class MessageView:
    """A stored message: ``seq`` orders it within its conversation."""

    id: int
    conversation_id: int
    seq: int
    author_kind: str
    text: str
    blocks: tuple[Mapping[str, Any], ...]
    created_at: datetime


@dataclass
class MessageDraft:
    """A message on its way in or out, before it is stored; processors may change it.

    ``annotations`` is free for plugins to add facts (e.g. detected language) that are stored
    with the message and shown to agents.

    ``visitor_id`` is set on a visitor's first message too, whose ``conversation_id`` is still
    None: ``ctx.visitor(draft.visitor_id).site_id`` is the site the message belongs to (per-site
    settings, as the redaction plugin reads them).
    """

    conversation_id: int | None
    author_kind: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    annotations: dict[str, Any] = field(default_factory=dict)
    #: the visitor whose conversation this is; also set for a visitor's first message, before
    #: the conversation exists (so a processor can tell whose data the message may reference)
    visitor_id: int | None = None
    #: the sender's ``client_msg_id`` (a bot reply's: ``re-<message id>-<plugin>``): the same
    #: key when a message is sent again; None when the sender gave none. Added in 1.1.
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Reply:
    """What a responder answers.

    :param text: plain text (a safe Markdown subset in the widget).
    :param blocks: message blocks, validated against the registered block types.
    :param handoff: True hands the conversation to human agents; the bot stops answering it.

    A responder returns it; since 1.6 a background job of the bot sends one with
    :meth:`PluginContext.answer` (for answers slower than the hook budget).
    """

    text: str = ""
    blocks: tuple[Mapping[str, Any], ...] = ()
    handoff: bool = False


@dataclass(frozen=True)
class ActorRef:
    """Who is calling a plugin's HTTP route: a ``visitor`` (id of the visitor) or an ``agent``
    (id of the user; ``role`` is ``agent`` or ``admin``). ``site_id`` is set for visitors."""

    kind: str
    id: int
    site_id: int | None = None
    role: str | None = None


@dataclass(frozen=True)
class AnalyticsEvent:
    """A product event delivered to analytics sinks after the data change it reports has committed
    (every name and property: docs/analytics.md).

    ``visitor_id`` is Chinwag's own id (for ``ctx.has_consent`` and erasure requests); send
    ``distinct_id`` to a third party instead: a pseudonym, the visitor's id hashed with a salt of
    the site (the same visitor has the same pseudonym on one site, unrelated ones on two).
    Properties never carry message text or e-mail addresses unless the site opted in for that
    field (``analytics_fields``), nor IP addresses. ``distinct_id`` added in 1.2.
    """

    name: str
    site_id: int | None
    visitor_id: int | None
    properties: Mapping[str, Any]
    occurred_at: datetime
    distinct_id: str | None = None


class PluginContext(ABC):
    """Services the core offers to a plugin's hooks. One context per plugin, bound to its settings."""

    #: the plugin's distribution name, e.g. ``"chinwag-media"``
    plugin_name: str
    #: a logger named after the plugin; never log secrets
    logger: logging.Logger

    @property
    @abstractmethod
    def settings(self) -> Mapping[str, Any]:
        """The plugin's current settings (secrets resolved), validated by its settings schema."""

    @property
    @abstractmethod
    def db_session(self) -> Session:
        """The SQLAlchemy session of the current request or job."""

    @abstractmethod
    def storage(self) -> StorageDriver:
        """The deployment's active media storage driver."""

    @abstractmethod
    def site_settings(self, site_id: int) -> Mapping[str, Any]:
        """The widget settings of a site (read-only)."""

    @abstractmethod
    def post_message(
        self, conversation_id: int, text: str = "", blocks: tuple[Mapping[str, Any], ...] = ()
    ) -> MessageView:
        """Store a bot message in a conversation and deliver it to every participant."""

    @abstractmethod
    def emit(self, conversation_id: int, event: str, payload: Mapping[str, Any]) -> None:
        """Send a plugin event (named ``<plugin>.<action>``) to a conversation's participants.

        Since 1.7 every :class:`~chinwag_plugin_api.Localized` text in ``payload`` reaches the
        visitor in their locale (what their session or ``setLocale`` last reported, else the
        site's), as the core does for declarations; agents get each text's default."""

    @abstractmethod
    def emit_to_visitor(self, visitor_id: int, event: str, payload: Mapping[str, Any]) -> None:
        """Send a plugin event to every connection of one visitor and to agents.

        For data not yet tied to a conversation, e.g. an upload made before the visitor's first
        message; the event's ``conversation_id`` is null. ``Localized`` texts as :meth:`emit`.
        """

    @abstractmethod
    def request_actor(self) -> ActorRef | None:
        """Who calls the current HTTP request, or None when nobody valid is signed in.

        Reads ``Authorization: Visitor <visitor token>`` (the widget; the request's Origin must be
        allowed for the visitor's site) or ``Authorization: Bearer <agent access token>`` (the
        inbox). A malformed, expired or revoked agent token raises the core's 401 error.
        """

    @abstractmethod
    def conversation(self, conversation_id: int) -> ConversationView | None:
        """The conversation with this id, or None when it does not exist."""

    @abstractmethod
    def is_participant(self, conversation_id: int, actor: ActorRef) -> bool:
        """Tell whether ``actor`` takes part in the conversation: its own visitor, or any agent
        (agents see every conversation). False when the conversation does not exist."""

    @abstractmethod
    def sign(self, value: str, expires_in: int) -> str:
        """Return a URL-safe token carrying ``value`` that :meth:`verify` accepts for
        ``expires_in`` seconds. HMAC-SHA256 with the app's secret key, scoped to this plugin, so
        one plugin's tokens are worthless to another. Use it for short-lived links."""

    @abstractmethod
    def verify(self, token: str) -> str | None:
        """Return the value a token of :meth:`sign` carries, or None when it is forged, belongs to
        another plugin or has expired. Signatures are compared in constant time."""

    @abstractmethod
    @added("1.1")
    def url_for(self, endpoint: str, **values: Any) -> str:
        """The absolute public URL of one of this plugin's routes: ``endpoint`` is the view's
        function name on the plugin's blueprint, ``values`` fill the rule (extra ones become the
        query string). Works in hooks and jobs too (built on ``CHINWAG_PUBLIC_URL``).
        """

    @abstractmethod
    @added("1.1")
    def visitor(self, visitor_id: int) -> VisitorRef | None:
        """The visitor with this id (their site and attributes), or None. A processor uses it
        to learn whose message a draft is, and for which site, before the conversation exists.
        """

    @added("1.2")
    def public_site(self, site_key: str) -> int:
        """The id of the site whose public key this is, for a public route a widget or a host
        page calls without a visitor token (e.g. a search box). Checked as the core checks its
        own public widget routes: an unknown key raises ``PluginError`` ``site_not_found``
        (404); a request whose ``Origin`` is neither Chinwag's own nor on the site's allow-list
        raises ``origin_not_allowed`` (403). A request without ``Origin`` (not a browser's
        cross-site call) passes, as in the core.
        """
        raise NotImplementedError("this Chinwag does not offer public_site()")

    @abstractmethod
    @added("1.2")
    def in_message_transaction(self, fn: Callable[[MessageView], None]) -> None:
        """From a message processor's ``process()``: run ``fn(message)`` inside the transaction
        that stores the message being processed, once it is stored.

        The way for a processor to write data of its own exactly once per message (a counter,
        a binding of an upload to the conversation a first message opens): ``fn`` gets the
        stored message (its id, seq and conversation, also for a conversation's first message)
        and writes through ``ctx.db_session``, which is then that transaction; the core commits
        both together. ``fn`` never runs for a message that is not stored (refused, a re-sent
        ``client_msg_id`` answered from the store, a failed store). When ``fn`` raises, its
        writes are rolled back (a savepoint), the failure is counted in the plugin's health and
        the message is stored anyway. Keep it short: the conversation is locked while it runs.
        Writing through ``ctx.db_session`` inside ``process()`` itself is not supported (those
        writes are discarded and counted as a failure). Raises ``RuntimeError`` outside
        ``process()``.
        """

    @abstractmethod
    def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run CPU-bound or blocking work (image decoding, hashing) in a real OS thread and wait
        for its result without stalling the server's event loop (gevent/eventlet); a plain
        call when the server runs threads. Exceptions propagate."""

    @abstractmethod
    def run_in_background(self, fn: Callable[..., None], *args: Any) -> None:
        """Queue ``fn(*args)`` as a background job and return at once (e.g. a video poster).

        The job runs on Chinwag's job queue (docs/jobs.md): in a worker that may be another
        process, in the app's context with its own database session (committed when ``fn``
        returns). It survives restarts, runs once across processes and is retried with
        back-off when it raises; its failures are counted in the plugin's health ("jobs") and
        never reach the caller. ``fn`` must be a module-level function (the worker imports it
        by name; anything else raises ``TypeError`` here) and ``args`` picklable and small
        (ids, not rows); this context among the arguments arrives as the worker's context of
        the same plugin. Commit what the job needs before calling, and keep ``fn``
        idempotent: a job whose worker died mid-run is run again."""

    @abstractmethod
    @added("1.2")
    def annotate(
        self,
        conversation_id: int,
        key: str,
        *,
        label: str,
        message_id: int | None = None,
        tone: str = "neutral",
        detail: str | None = None,
    ) -> None:
        """Store (or replace) this plugin's annotation ``key`` on a conversation, or on one of its
        messages when ``message_id`` is given, and show it at once to agents in the inbox (a chip
        on the conversation's list row and in its thread; under the message for a message's).

        ``tone`` is one of ``neutral``, ``positive``, ``negative``, ``warning`` (shown as a word,
        not only a colour); ``label`` at most 80 characters, ``detail`` 500, ``key`` 1-64 of
        ``[A-Za-z0-9_.:-]``. Commits its own write. Raises ``ValueError`` for a bad value and
        ``LookupError`` when the conversation (or the message in it) does not exist. Visitors
        never see annotations; those of a disabled plugin are hidden. See
        :mod:`chinwag_plugin_api.inbox`."""

    @abstractmethod
    @added("1.2")
    def clear_annotation(
        self, conversation_id: int, key: str, message_id: int | None = None
    ) -> bool:
        """Remove this plugin's annotation ``key`` (of the message ``message_id``, or of the
        conversation); agents see it go at once. Returns False when there was none."""

    @abstractmethod
    @added("1.2")
    def post_note(self, conversation_id: int, text: str, *, key: str | None = None) -> int:
        """Add an internal note to a conversation: agents see it in the thread, set apart from
        messages and signed with the plugin's display name; it is never sent to the visitor
        (notes are not messages). At most 4,000 characters. Commits its own write and returns
        the note's id. Raises ``ValueError`` for empty or too long text or a bad ``key``,
        ``LookupError`` when the conversation does not exist.

        ``key`` (Added in 1.7): 1-64 characters of ``[A-Za-z0-9_.:-]``. With a key the note is
        stored at most once per (plugin, conversation, key): a later call with the same key,
        from any worker, even at the same moment, stores nothing, sends nothing to the inbox
        and returns the first note's id (its text is not compared). A job that may run again
        (``ctx.run_in_background`` retries) posts its note with a key, e.g.
        ``key=f"handoff:{message_id}"``, to post it once."""

    @abstractmethod
    @added("1.2")
    def publish(self, event: Event) -> None:
        """Hand one of this plugin's typed events to the app's event bus, where plugin
        listeners (``chinwag.event_listeners``) and analytics sinks receive it like the core's.

        ``event`` must be an instance of a class the plugin declares under the ``chinwag.events``
        entry-point group, named ``<prefix>.<what_happened>`` (the distribution name without
        ``chinwag-``; ``chinwag-feedback`` publishes ``feedback.rating_given``); anything else
        raises ``PluginError`` (code ``event_refused``), because the catalogue (docs/events.md)
        is the one list of what can happen. Published after the current database transaction of
        ``ctx.db_session`` commits, so no event reports a change a rollback took back; at once
        when no transaction is open; dropped when it rolls back. Returns at once: delivery runs
        after the caller, off the socket, and never delays an acknowledgement.
        """

    @abstractmethod
    @added("1.2")
    def has_consent(self, visitor_id: int, purpose: str = "analytics") -> bool:
        """Tell whether the visitor's data may be used for ``purpose``: ``"analytics"`` (sent to
        third-party analytics), ``"follow_up_email"``, ``"marketing_email"``, ``"transcripts"``
        (a copy kept outside Chinwag) or ``"personalisation"`` (docs/privacy.md, "Consent").
        True when the visitor's site does not require consent (``consent_required`` off), or
        when the visitor's recorded consent covers the purpose and was not withdrawn; False for
        an unknown visitor or purpose, and for a purpose the site does not ask consent for.
        Third-party sinks call it before forwarding anything of a visitor."""

    @added("1.3")
    def pseudonym(self, site_id: int, visitor_id: int) -> str:
        """The visitor's pseudonym on that site: the value analytics sinks get as
        ``AnalyticsEvent.distinct_id`` (HMAC-SHA256 of the id with a salt of the site derived
        from the app's secret key; 32 hex characters). The same visitor has the same pseudonym
        on one site and unrelated ones on two; it cannot be turned back into the id without the
        key. Key a plugin's own third-party data with it, never with the visitor's id.
        """
        raise NotImplementedError("this Chinwag does not offer pseudonym()")

    @added("1.3")
    def plugin_enabled(self, name: str, site_id: int | None = None) -> bool:
        """Tell whether the plugin distribution ``name`` (e.g. ``"chinwag-kb"``) is installed,
        loaded and enabled now (the state admins toggle, re-read as hooks are). With
        ``site_id``: enabled for that site, False when the site does not exist. Plugins are
        enabled per installation today, so every existing site answers the same."""
        raise NotImplementedError("this Chinwag does not offer plugin_enabled()")

    @added("1.3")
    def count(self, name: str, amount: int = 1) -> None:
        """Add ``amount`` (default 1, may be negative) to this plugin's health counter
        ``name`` (1-64 of ``[A-Za-z0-9_.:-]``; at most 50 counters per plugin). Counters are
        kept in the job queue's storage like the core's job counters, so every server process
        and the CLI add to and report the same figures: admins see them under ``counters`` in
        the plugin's health (``chinwag plugins list``, ``GET /api/v1/plugins/<name>``).
        Raises ``ValueError`` for a bad name or amount, or a 51st counter."""
        raise NotImplementedError("this Chinwag does not offer count()")

    @added("1.3")
    def agents_online(self, site_id: int) -> list[AgentRef]:
        """The agents and admins with an open inbox (a connected ``/agent`` socket, in any
        server process) who may see the site's conversations, each once, sorted by name.
        A bot reads it to decide whether to offer a hand-off. Empty for an unknown site."""
        raise NotImplementedError("this Chinwag does not offer agents_online()")

    @added("1.3")
    def hit_rate_limit(self, name: str, key: str, per_minute: int) -> None:
        """Count one call of ``key`` (any string naming who calls, e.g. ``f"visitor:{id}"``)
        against this plugin's limit ``name``: at most ``per_minute`` calls in any minute. Past
        it, raises the core's 429 error (code ``rate_limited``, ``retry_after_ms``, a
        ``Retry-After`` header on HTTP) and the call is not counted. In Redis when configured
        (every process shares it), else per process. Routes use
        :func:`~chinwag_plugin_api.routes.rate_limit`; call this from socket handlers."""
        raise NotImplementedError("this Chinwag does not offer hit_rate_limit()")

    # -- added in 1.4: content checks --------------------------------------------------------

    @added("1.4")
    def content_advice(
        self,
        site_id: int | None,
        text: str,
        blocks: Sequence[Mapping[str, Any]] = (),
    ) -> list[Advice]:
        """Ask every enabled ``chinwag.content_checks`` plugin (this one included) about a text
        an author is writing for ``site_id`` (None: every site) and return their advice, in hook
        order. A check that raises or times out is skipped and counted in its plugin's health.
        An editor of a plugin (chinwag-kb's articles) calls it to show authors the same advice
        the admin's canned-response editor shows. Advice never blocks: the caller decides."""
        raise NotImplementedError("this Chinwag does not offer content_advice()")

    @added("1.4")
    def send_mail(
        self, to: str | VisitorRef, subject: str, text: str, html: str | None = None
    ) -> str:
        """Send an e-mail on the core's mailer (``CHINWAG_SMTP_URL``, docs/configuration.md):
        queued on the job queue once the current transaction of ``ctx.db_session`` commits (at
        once when none is open; since 1.5, never when it rolls back, so no mail announces a
        change that was taken back; a transaction left without a commit counts as rolled back)
        and retried with back-off while the SMTP server is down; returns the job's id. ``text`` is the plain-text body, ``html`` an optional HTML
        alternative; ``subject`` is one line (at most 200 characters).

        **Whom a plugin may mail.** A visitor only at an address they gave or verified: pass
        their :class:`VisitorRef` (from :meth:`visitor` or an event) and the core mails the
        address on their visitor record, the one their site's identity verification signed or
        the one they typed into the widget; the plugin never chooses a visitor's address. An
        address as a string is for people the site's admins named (an address in the plugin's
        settings, an agent's): never one read from a visitor's messages. A visitor whose site
        requires consent is mailed only after checking :meth:`has_consent` for the purpose.

        Raises :class:`PluginError` with code ``mail_unavailable`` (503) when this Chinwag has
        no mail configured, ``no_email`` (422) for a visitor without an address (or one that
        does not exist) and ``invalid_mail`` (400) for a malformed address, an empty or
        multi-line subject or an oversized body.
        """
        raise NotImplementedError("this Chinwag does not offer send_mail()")

    @added("1.5")
    def sites(self) -> list[SiteRef]:
        """The sites this plugin may act on, by id: every site of the installation (plugins are
        enabled per installation), without their keys. A plugin configured per site lists them
        in its settings page or checks the ``sites`` its settings name (an unknown id is an
        admin's mistake to report, not to act on)."""
        raise NotImplementedError("this Chinwag does not offer sites()")

    @added("1.4")
    def visitor_online(self, visitor_id: int) -> bool:
        """Tell whether the visitor has the chat open now: a connected widget socket in any
        server process (other processes' sockets as of their last report, a couple of seconds
        old). A plugin reads it to reach a visitor who left some other way, e.g. by e-mail."""
        raise NotImplementedError("this Chinwag does not offer visitor_online()")

    # -- added in 1.6: answering from a background job ----------------------------------------

    @added("1.6")
    def recent_messages(
        self, conversation_id: int, limit: int = 20, until_id: int | None = None
    ) -> list[MessageView]:
        """The conversation's last ``limit`` messages (1-50), oldest first; with ``until_id``,
        those up to and including that message (what a job answering it reads, however many
        came after). A bot carries earlier turns into its prompt with it. Texts are what agents
        see (a redaction's mask, not the original). Raises ``LookupError`` when the
        conversation (or ``until_id`` in it) does not exist, ``ValueError`` for a bad ``limit``.
        """
        raise NotImplementedError("this Chinwag does not offer recent_messages()")

    @added("1.6")
    def has_answered(self, conversation_id: int, message_id: int) -> bool:
        """Tell whether this plugin already answered the message ``message_id``: by its
        responder's :class:`Reply` or by :meth:`answer`. A job calls it first, so a re-run
        (its worker died, a retry) does not do its slow work again."""
        raise NotImplementedError("this Chinwag does not offer has_answered()")

    @added("1.6")
    def answer(self, conversation_id: int, message_id: int, reply: Reply) -> bool:
        """From a background job (:meth:`run_in_background`): answer the visitor's message
        ``message_id`` as a :class:`Responder` returning ``reply`` would, so a bot whose answer
        takes longer than the hook budget (``CHINWAG_HOOK_TIMEOUT_MS``, 2 s) returns None from
        ``respond()``, queues a job and answers from there.

        The reply is sent as this bot's message under the key a responder's reply gets
        (``re-<message id>-<plugin>``), so it is stored once however often the job runs, and
        never twice when the responder answered as well; ``reply.handoff`` then hands the
        conversation to people (:meth:`hand_off`). Nothing is sent, and False returned, when
        people hold the conversation already (an agent took it or a hand-off happened since)
        or it is closed, and when this plugin answered the message before (a re-run: only a
        hand-off it asked for and did not reach is done). True when the reply was sent now.
        Raises ``LookupError`` when the conversation does not exist or the message is not a
        visitor's message in it; a reply the core refuses (a bad block) is logged and counted
        as a failure in the plugin's health, as a responder's is.
        """
        raise NotImplementedError("this Chinwag does not offer answer()")

    @added("1.6")
    def hand_off(self, conversation_id: int) -> bool:
        """Hand the conversation to people, as ``Reply(handoff=True)`` does: it goes to the
        human queue unassigned, agents are told, and bots stop answering it. Idempotent: False
        (and nothing happens) when people hold it already or it is closed; True when handed
        off now. Raises ``LookupError`` when the conversation does not exist. Usable from jobs,
        routes and socket handlers."""
        raise NotImplementedError("this Chinwag does not offer hand_off()")

    # -- added in 1.7: the audit log ---------------------------------------------------------

    @added("1.7")
    def audit(
        self,
        action: str,
        target_type: str,
        target_id: object,
        details: Mapping[str, Any] | None = None,
        *,
        by: ActorRef | None = None,
    ) -> None:
        """Write an entry of the admin's audit log (Admin, Audit log), as the core does for its
        own changes: for what admins must be able to trace that this plugin did or changed.

        ``action`` (1-48 of ``[a-z0-9_.]``, starting with a letter) is stored as
        ``<plugin>.<action>`` (``chinwag-feedback.survey_mailed``), so no plugin can write an
        entry that reads as one of the core's (``plugin.configure``, ``auth.sign_in``); the
        entry also names the plugin, and the audit page shows its display name. ``target_type``
        is 1-40 of ``[a-z0-9_]`` (``conversation``, ``site``, or a kind of the plugin's own),
        ``target_id`` at most 200 characters. ``details`` is a JSON object of at most 20 keys
        (``[A-Za-z0-9_]``, 1-64) and 2,000 characters as JSON; the values of keys that name a
        secret (``password``, ``secret``, ``token``, ``api_key``, ...) and any value equal to
        one of this plugin's secret settings are stored as ``********``. Never put message
        text or a visitor's address in it.

        ``by``: the agent or admin who made the change (``ctx.request_actor()`` in a route):
        the entry's actor is then that user, and the plugin is named beside them; without it
        the actor is the plugin itself. A visitor is not an actor of the audit log.

        The entry is added to the current transaction of ``ctx.db_session``: it is committed
        with the change it describes and gone if that rolls back (commit after calling it).
        Raises ``ValueError`` for a bad value (nothing is written).
        """
        raise NotImplementedError("this Chinwag does not offer audit()")

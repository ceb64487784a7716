"""The analytics pipeline: typed events in, batches for each sink out, on the job queue.

1. The bus's deferred subscriber (:func:`collect`) turns a committed typed event into the
   catalogue's analytics event (:data:`chinwag_plugin_api.events.ANALYTICS`, docs/analytics.md;
   a plugin's own event keeps its name and fields), with the visitor's pseudonym
   (:func:`pseudonym`) and without message text or e-mail unless the site opted in per field.
2. Per enabled sink, the event goes into this process's outbox, unless the sink is a third
   party and the visitor has not consented (:func:`chinwag.consent.has_consent`). A full outbox
   (``CHINWAG_ANALYTICS_BATCH``), or one older than ``CHINWAG_ANALYTICS_FLUSH_SECONDS``, becomes
   one job (:func:`deliver`) of the sink's plugin on the job queue. Nothing here waits for a
   sink: the bus worker only appends to a list.
3. The job hands the batch to the sink; what the sink did not take is queued again with
   back-off (2 s doubling, at most 5 minutes) up to ``CHINWAG_ANALYTICS_ATTEMPTS`` deliveries,
   then counted as dead letters. Events waiting for a sink (outbox and queued batches) are
   bounded by ``CHINWAG_ANALYTICS_BUFFER``; beyond it they are dropped and counted. Counters
   live in the job queue's storage, so every process reports the same (:func:`health`).
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chinwag_plugin_api import AnalyticsEvent, AnalyticsSink, PluginContext
from chinwag_plugin_api.events import (
    CATALOGUE,
    ConversationAssigned,
    ConversationClosed,
    ConversationHandedOff,
    ConversationOpened,
    ConversationReopened,
    Event,
    MessageStored,
    VisitorTracked,
    VisitorUpdated,
    WidgetLoaded,
)
from flask import current_app, has_app_context
from sqlalchemy import bindparam, func, select
from sqlalchemy import event as orm_events
from sqlalchemy.orm import Session

from chinwag import consent
from chinwag.actions.base import now
from chinwag.consent import ConsentRecord
from chinwag.extensions import db
from chinwag.models import Conversation, Message, Site, Visitor
from chinwag.state import state
from chinwag.store.batching import Job, Leader

log = logging.getLogger(__name__)

COUNTERS = ("delivered", "dropped", "dead_letters", "withheld", "retried")
_PENDING = "chinwag:analytics:pending:"
RETRY_CAP_SECONDS = 300.0
#: how long the pipeline trusts a visitor's facts it read (one query per event was half of the
#: bus's CPU per visitor message): only facts that let events through are kept, and a visitor's
#: own update or erasure in this process drops them; third-party sinks' consent is checked
#: again when their batch is delivered, so a withdrawal still stops them at once
FACTS_SECONDS = 2.0
FACTS_KEPT = 10_000
#: how long the pipeline trusts the shared count of a sink's queued events it last read (a
#: read was a write transaction on the job queue's storage per event); this process's own
#: changes apply at once, other processes' within this time
PENDING_READ_SECONDS = 1.0


# -- the catalogue's form of an event -----------------------------------------------------------


def pseudonym(site_id: int, visitor_id: int) -> str:
    """The visitor's id as third parties see it: HMAC-SHA256 of the id with a salt of the site
    derived from the app's secret key (stable per site, unrelated across sites, not reversible
    without the key)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    salt = hmac.new(secret, f"chinwag-analytics-salt:{site_id}".encode(), "sha256").digest()
    return hmac.new(salt, str(visitor_id).encode(), "sha256").hexdigest()[:32]


def _by_kind(by: str | None) -> str:
    return (by or "agent:").split(":", 1)[0]


def _seconds_since_start(conversation_id: int, until: datetime) -> float | None:
    conv = db.session.get(Conversation, conversation_id)
    if conv is None or conv.created_at is None:
        return None
    start = conv.created_at
    if start.tzinfo is None and until.tzinfo is not None:
        until = until.replace(tzinfo=None)
    elif start.tzinfo is not None and until.tzinfo is None:
        start = start.replace(tzinfo=None)
    return round(max(0.0, (until - start).total_seconds()), 3)


def _first_response(event: MessageStored) -> dict[str, Any] | None:
    """The properties of ``conversation.first_response`` when ``event`` is the conversation's
    first agent or bot message, else None."""
    if event.message.author_kind == "visitor":
        return None
    earlier = db.session.execute(
        select(func.count())
        .select_from(Message)
        .where(
            Message.conversation_id == event.conversation_id,
            Message.author_kind != "visitor",
            Message.seq < event.message.seq,
        )
    ).scalar_one()
    if earlier:
        return None
    return {
        "conversation_id": event.conversation_id,
        "author_kind": event.message.author_kind,
        "seconds": _seconds_since_start(event.conversation_id, event.message.created_at),
    }


#: the typed events the catalogue is made from (the others cost the pipeline nothing)
_SOURCES = (
    MessageStored,
    ConversationOpened,
    ConversationClosed,
    ConversationReopened,
    ConversationHandedOff,
    ConversationAssigned,
    VisitorUpdated,
    VisitorTracked,
    WidgetLoaded,
)


def analytics_events_wanted(event: Event) -> bool:
    return isinstance(event, _SOURCES) or event.name not in CATALOGUE


def analytics_events(event: Event) -> list[tuple[str, dict[str, Any]]]:
    """The catalogue's events (name, properties) made from one typed event; none for events
    analytics has no use for (typing, reads, site and user changes)."""
    if isinstance(event, MessageStored):
        out = [
            (
                "message.sent",
                {
                    "conversation_id": event.conversation_id,
                    "author_kind": event.message.author_kind,
                    "seq": event.message.seq,
                    "text": event.message.text,
                },
            )
        ]
        first = _first_response(event)
        if first is not None:
            out.append(("conversation.first_response", first))
        return out
    if isinstance(event, ConversationOpened):
        return [("conversation.started", {"conversation_id": event.conversation_id})]
    if isinstance(event, ConversationClosed):
        props = {"conversation_id": event.conversation_id, "by_kind": _by_kind(event.by)}
        props["seconds"] = _seconds_since_start(event.conversation_id, now())
        return [("conversation.closed", props)]
    if isinstance(event, ConversationReopened):
        return [
            (
                "conversation.reopened",
                {"conversation_id": event.conversation_id, "by_kind": _by_kind(event.by)},
            )
        ]
    if isinstance(event, ConversationHandedOff):
        return [
            ("conversation.handed_off", {"conversation_id": event.conversation_id, "by": event.by})
        ]
    if isinstance(event, ConversationAssigned):
        return [
            (
                "conversation.assigned",
                {"conversation_id": event.conversation_id, "assigned": event.user_id is not None},
            )
        ]
    if isinstance(event, VisitorUpdated):
        return [("widget.session_started", {})]
    if isinstance(event, VisitorTracked):
        return [(f"widget.{event.action}", dict(event.properties))]
    if isinstance(event, WidgetLoaded):
        return [("widget.loaded", {"mode": event.mode})]
    if event.name not in CATALOGUE:  # a plugin's own event (ctx.publish): its fields
        return [
            (
                event.name,
                {
                    f.name: getattr(event, f.name)
                    for f in dataclasses.fields(event)
                    if f.name not in ("site_id", "visitor_id")
                },
            )
        ]
    return []


@dataclass(frozen=True)
class Facts:
    """What the pipeline needs of an event's site and visitor, read in one query."""

    opted_in: frozenset[str] = frozenset()
    email: str | None = None
    consented: bool = True


#: built once: making the statement anew was about a quarter of this per-event query's CPU
_VISITOR_FACTS = (
    select(Visitor.email, Visitor.consent_version, Visitor.consent_at, Site.widget_settings)
    .join(Site, Site.id == Visitor.site_id)
    .where(Visitor.id == bindparam("visitor_id"))
)


def facts(site_id: int | None, visitor_id: int | None) -> Facts:
    """The site's opt-in fields, the visitor's e-mail and whether third parties may get the
    visitor's events (:func:`chinwag.consent.covers`). No visitor: nothing to consent to; an
    unknown visitor: no consent."""
    if visitor_id is None:
        if site_id is None:
            return Facts()
        settings = db.session.execute(
            select(Site.widget_settings).where(Site.id == site_id)
        ).scalar_one_or_none()
        return Facts(frozenset(str(f) for f in (settings or {}).get("analytics_fields", [])))
    row = db.session.execute(_VISITOR_FACTS, {"visitor_id": visitor_id}).first()
    return _visitor_facts(visitor_id, None if row is None else tuple(row))


def _visitor_facts(visitor_id: int, row: tuple[Any, ...] | None) -> Facts:
    """:func:`facts` of a visitor from their row (email, consent version and time, the site's
    widget settings), None if there is none."""
    if row is None:
        return Facts(consented=False)
    email, version, at, widget_settings = row
    settings = widget_settings or {}
    return Facts(
        frozenset(str(f) for f in settings.get("analytics_fields", [])),
        email,
        consent.decide(settings, visitor_id, version, at),
    )


#: :data:`_VISITOR_FACTS` for many visitors, on the lookup's own connection (PostgreSQL)
_VISITORS_FACTS = (
    "SELECT v.id, v.email, v.consent_version, v.consent_at, s.widget_settings "
    "FROM visitors v JOIN sites s ON s.id = v.site_id WHERE v.id = ANY(%s)"
)


@dataclass(eq=False)
class _Ask(Job):
    row: tuple[Any, ...] | None = None
    answered: bool = False


class FactsLookup(Leader):
    """The visitors' rows of concurrent :func:`known_facts` misses in one query, on a
    connection of its own (no session, no pool check-out), as the group commit's
    :class:`chinwag.group_commit.ResendCheck` does: a miss per visitor every
    :data:`FACTS_SECONDS` was the bus's largest database cost per message on PostgreSQL."""

    FAILED = "analytics facts of %d events failed; asking one by one"

    def row(self, visitor_id: int) -> tuple[bool, tuple[Any, ...] | None]:
        """(answered, the visitor's row or None); not answered: ask the session."""
        job = _Ask({"visitor_id": visitor_id}, None)
        self.submit(job)
        return job.answered, job.row

    def _write(self, batch: list[Job]) -> None:
        ids = sorted({int(job.values["visitor_id"]) for job in batch})

        def lookup(raw: Any) -> dict[int, tuple[Any, ...]]:
            conn = raw.driver_connection
            if not conn.autocommit:
                conn.autocommit = True  # no transaction left open between lookups
            cur = conn.cursor()
            try:
                cur.execute(_VISITORS_FACTS, [ids])
                return {int(r[0]): tuple(r[1:]) for r in cur.fetchall()}
            finally:
                cur.close()

        found = self._with_raw(db.engine, lookup)
        for job in batch:
            assert isinstance(job, _Ask)
            job.row = found.get(int(job.values["visitor_id"]))
            job.answered = True


def _fresh_facts(site_id: int | None, visitor_id: int | None) -> Facts:
    """:func:`facts`; a visitor's on PostgreSQL batched with concurrent ones."""
    if visitor_id is None or db.engine.dialect.name != "postgresql":
        return facts(site_id, visitor_id)
    answered, row = pipeline().lookup.row(visitor_id)
    return _visitor_facts(visitor_id, row) if answered else facts(site_id, visitor_id)


def build(event: Event, known: Facts | None = None) -> list[AnalyticsEvent]:
    """The analytics events of one typed event, pseudonymised and without the fields the site
    did not opt in to."""
    made = analytics_events(event)
    if not made:
        return []
    site_id = event.site_id
    visitor_id = getattr(event, "visitor_id", None)
    known = known or facts(site_id, visitor_id)
    email = known.email if "email" in known.opted_in else None
    distinct = pseudonym(site_id, visitor_id) if site_id is not None and visitor_id else None
    when = now()
    out = []
    for name, props in made:
        if "text" in props and "text" not in known.opted_in:
            del props["text"]
        props.pop("email", None)
        if email:
            props["email"] = email
        out.append(AnalyticsEvent(name, site_id, visitor_id, props, when, distinct))
    return out


# -- outboxes and delivery ----------------------------------------------------------------------


@dataclass
class Outbox:
    """The events of one sink waiting in this process for their batch to be queued."""

    events: list[AnalyticsEvent] = field(default_factory=list)
    since: float = 0.0


@dataclass(eq=False)
class Pipeline:
    """One app's analytics outboxes (``state().extras["analytics"]``)."""

    outboxes: dict[tuple[str, str], Outbox] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: (site id, visitor id) -> (facts, monotonic time they expire)
    facts: dict[tuple[int | None, int | None], tuple[Facts, float]] = field(default_factory=dict)
    #: plugin -> (events queued for its sinks, monotonic time read)
    pending: dict[str, tuple[int, float]] = field(default_factory=dict)
    #: the facts of concurrent misses, read in one query
    lookup: FactsLookup = field(default_factory=FactsLookup)


def pipeline() -> Pipeline:
    extras = state().extras
    found = extras.get("analytics")
    if found is None:
        found = extras.setdefault("analytics", Pipeline())
    return found  # type: ignore[no-any-return]


def _cfg(key: str) -> Any:
    return current_app.config[f"CHINWAG_ANALYTICS_{key}"]


def _storage() -> Any:
    return state().jobs.huey.storage


def _pending(plugin: str, delta: int = 0) -> int:
    """Add ``delta`` to the events queued for ``plugin``'s sinks (every process shares the
    count) and answer the count; a read (``delta`` 0) may answer what this process read less
    than :data:`PENDING_READ_SECONDS` ago."""
    pipe = pipeline()
    now_ = time.monotonic()
    seen = pipe.pending.get(plugin)
    if not delta and seen is not None and now_ - seen[1] < PENDING_READ_SECONDS:
        return seen[0]
    value = int(_storage().incr(_PENDING + plugin, delta))
    pipe.pending[plugin] = (value, now_)
    return value


def known_facts(site_id: int | None, visitor_id: int | None) -> Facts:
    """:func:`facts`, kept for :data:`FACTS_SECONDS` when they let events through."""
    pipe = pipeline()
    key = (site_id, visitor_id)
    now_ = time.monotonic()
    hit = pipe.facts.get(key)
    if hit is not None and hit[1] > now_:
        return hit[0]
    found = _fresh_facts(site_id, visitor_id)
    if found.consented:
        with pipe.lock:
            if len(pipe.facts) >= FACTS_KEPT:
                pipe.facts.clear()
            pipe.facts[key] = (found, now_ + FACTS_SECONDS)
    return found


@orm_events.listens_for(Session, "after_flush")
def _forget_facts(session: Session, _context: Any) -> None:
    """Whatever this process writes of a visitor (details, consent) or a site (opt-in fields,
    consent rules), by any path that uses a session, is read afresh by the next event."""
    changed = [*session.new, *session.dirty, *session.deleted]
    sites = {o.id for o in changed if isinstance(o, Site)}
    visitors = {(o.site_id, o.id) for o in changed if isinstance(o, Visitor)}
    visitors |= {(o.site_id, o.visitor_id) for o in changed if isinstance(o, ConsentRecord)}
    if not (sites or visitors) or not has_app_context():
        return
    pipe = pipeline()
    with pipe.lock:
        for key in [k for k in pipe.facts if k[0] in sites or k in visitors]:
            del pipe.facts[key]


def _count(plugin: str, what: str, amount: int = 1) -> None:
    if amount:
        _storage().incr(f"chinwag:analytics:{what}:{plugin}", amount)


def _sink_key(record: Any, sink: AnalyticsSink) -> str:
    for (ns, name), obj in record.named.items():
        if ns == AnalyticsSink.namespace and obj is sink:
            return str(name)
    return type(sink).__name__


def collect(event: Event) -> None:
    """The bus's deferred subscriber: queue the event's analytics form for every enabled sink."""
    chinwag = state()
    sinks = list(chinwag.plugins.extensions(AnalyticsSink.namespace))
    if not sinks:
        return
    visitor_id = getattr(event, "visitor_id", None)
    if not analytics_events_wanted(event):
        return
    known = known_facts(event.site_id, visitor_id)
    made = build(event, known)
    if not made:
        return
    # a page view of a site that requires consent: nobody has consented yet (first party only)
    shared = known.consented and getattr(event, "shareable", True)
    for record, sink in sinks:
        if not sink.first_party and not shared:
            _count(record.name, "withheld", len(made))
            continue
        _offer(record.name, _sink_key(record, sink), made)


def _offer(plugin: str, sink: str, events: list[AnalyticsEvent]) -> None:
    buffer = int(_cfg("BUFFER"))
    batch = max(1, int(_cfg("BATCH")))
    pipe = pipeline()
    ready: list[AnalyticsEvent] = []
    with pipe.lock:
        box = pipe.outboxes.setdefault((plugin, sink), Outbox())
        waiting = _pending(plugin) + len(box.events)
        room = max(0, buffer - waiting)
        taken, dropped = events[:room], len(events) - min(room, len(events))
        if taken and not box.events:
            box.since = time.monotonic()
        box.events.extend(taken)
        if len(box.events) >= batch or (
            box.events and time.monotonic() - box.since >= float(_cfg("FLUSH_SECONDS"))
        ):
            ready, box.events = box.events, []
    if dropped:
        _count(plugin, "dropped", dropped)
        log.warning("analytics sink %s: buffer full, %d event(s) dropped", plugin, dropped)
    if ready:
        _queue(plugin, sink, ready, 1)


def _queue(plugin: str, sink: str, events: Sequence[AnalyticsEvent], attempt: int) -> None:
    delay = 0.0 if attempt == 1 else min(RETRY_CAP_SECONDS, 2.0 * 2 ** (attempt - 2))
    if attempt == 1:
        _pending(plugin, len(events))
    chinwag = state()
    ctx = chinwag.context(chinwag.plugins.records[plugin])  # the worker gets its own
    chinwag.jobs.enqueue(plugin, deliver, (ctx, sink, list(events), attempt), delay=delay)


def flush(older_than: float | None = None) -> int:
    """Queue every outbox (``older_than``: only those waiting at least that many seconds);
    returns how many events were queued. ``chinwag run``'s background loop calls it."""
    pipe = pipeline()
    ready: list[tuple[str, str, list[AnalyticsEvent]]] = []
    with pipe.lock:
        for (plugin, sink), box in pipe.outboxes.items():
            if not box.events:
                continue
            if older_than is not None and time.monotonic() - box.since < older_than:
                continue
            ready.append((plugin, sink, box.events))
            box.events = []
    for plugin, sink, events in ready:
        _queue(plugin, sink, events, 1)
    return sum(len(e) for _p, _s, e in ready)


def deliver(ctx: PluginContext, sink_name: str, events: list[AnalyticsEvent], attempt: int) -> None:
    """The job: hand ``events`` to the sink; queue again what it did not take (with back-off),
    or count it as dead letters after the last attempt. Never raises (the job queue's own
    retries would repeat events the sink already took)."""
    chinwag = state()
    host = chinwag.plugins
    record = host.records.get(ctx.plugin_name)
    sink = record.named.get((AnalyticsSink.namespace, sink_name)) if record else None
    plugin = ctx.plugin_name
    if record is None or sink is None or not host.is_enabled(plugin):
        # disabled (or gone) while its events waited: they are not delivered, and say so
        _pending(plugin, -len(events))
        _count(plugin, "dropped", len(events))
        return
    if not sink.first_party:  # a withdrawal stops what was already queued, not only new events
        events = _still_consented(plugin, events)
    else:  # an erasure while they waited: delivering them would bring the visitor back
        events = _of_present_visitors(plugin, events)
    if not events:
        return
    taken = 0
    error: Exception | None = None
    started = time.perf_counter()
    record.stats.calls += 1
    try:
        if type(sink).track_batch is AnalyticsSink.track_batch:
            for event in events:
                sink.track(ctx, event)
                taken += 1
        else:
            sink.track_batch(ctx, events)
            taken = len(events)
    except Exception as exc:  # a failing sink is retried, never a crash of the worker
        error = exc
    finally:
        record.stats.total_ms += (time.perf_counter() - started) * 1000
    _count(plugin, "delivered", taken)
    rest = events[taken:]
    if error is None or not rest:
        _pending(plugin, -len(events))
        return
    record.stats.failures += 1
    host._failed(record, f"analytics delivery (attempt {attempt}) raised {error!r}")
    _pending(plugin, -taken)
    if attempt >= int(_cfg("ATTEMPTS")):
        _pending(plugin, -len(rest))
        _count(plugin, "dead_letters", len(rest))
        log.error("analytics sink %s: %d event(s) dead-lettered: %r", plugin, len(rest), error)
        return
    _count(plugin, "retried", len(rest))
    _queue(plugin, sink_name, rest, attempt + 1)


def _still_consented(plugin: str, events: list[AnalyticsEvent]) -> list[AnalyticsEvent]:
    """The events whose visitor (if any) consents at delivery time; the others are counted
    as withheld and no longer pending."""
    ids = {e.visitor_id for e in events if e.visitor_id is not None}
    allowed = consent.consenting(ids)
    kept = [e for e in events if e.visitor_id is None or e.visitor_id in allowed]
    if len(kept) < len(events):
        _pending(plugin, -(len(events) - len(kept)))
        _count(plugin, "withheld", len(events) - len(kept))
    return kept


def _of_present_visitors(plugin: str, events: list[AnalyticsEvent]) -> list[AnalyticsEvent]:
    """The events whose visitor (if any) still exists; those of a visitor erased since they
    were collected are counted as withheld and no longer pending."""
    ids = {e.visitor_id for e in events if e.visitor_id is not None}
    if not ids:
        return events
    present = set(db.session.execute(select(Visitor.id).where(Visitor.id.in_(ids))).scalars())
    kept = [e for e in events if e.visitor_id is None or e.visitor_id in present]
    if len(kept) < len(events):
        _pending(plugin, -(len(events) - len(kept)))
        _count(plugin, "withheld", len(events) - len(kept))
    return kept


def health(plugins: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per plugin with a sink: events ``pending`` delivery (queued, and in this process's
    outbox), ``delivered``, ``dropped`` (buffer
    full or sink disabled), ``dead_letters`` (every attempt failed), ``withheld`` (no consent,
    third-party sinks; a visitor erased while their events waited, every sink), ``retried``; the same in every process."""
    storage = _storage()
    pipe = pipeline()
    out: dict[str, dict[str, int]] = {}
    for plugin in plugins:
        here = sum(len(b.events) for (p, _s), b in pipe.outboxes.items() if p == plugin)
        row = {"pending": max(0, int(storage.incr(_PENDING + plugin, 0))) + here}
        for what in COUNTERS:
            row[what] = int(storage.incr(f"chinwag:analytics:{what}:{plugin}", 0))
        out[plugin] = row
    return out


def has_sinks() -> bool:
    return any(True for _ in state().plugins.extensions(AnalyticsSink.namespace))

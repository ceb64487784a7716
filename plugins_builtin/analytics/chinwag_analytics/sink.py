"""The first-party sink: turns each batch of analytics events into counter increments and
per-conversation facts, in one transaction.

A batch is applied whole or not at all (the host retries a batch that raised), so a retry never
counts an event twice. Counters are kept per quarter hour of the event's ``occurred_at`` (UTC):
the dashboard adds them up into the days and hours of the time zone it is asked for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from chinwag_plugin_api import AnalyticsEvent, AnalyticsSink, PluginContext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chinwag_analytics.models import SLOT_MINUTES, ConversationFacts, DailyCount
from chinwag_analytics.rollup import GRACE, reopen

#: counters kept per site and quarter hour (``dim`` in brackets): conversations, messages
#: [author kind], hand-offs, closes [by kind], suggestion chips shown and clicked, chat frames
#: loaded and panels opened (CSAT is kept per conversation: a changed answer replaces the
#: first). ``hour`` [weekday:hour, UTC] is only read: counts from before the slots existed.
METRICS = (
    "conversations",
    "messages",
    "handed_off",
    "closed",
    "hour",
    "suggest_shown",
    "suggest_clicked",
    "widget_loaded",
    "widget_opened",
)

Key = tuple[int, date, int, str, str]
#: a count this old may belong to a local day the rollup holds already (days are rolled once
#: they have been over for ``GRACE``; a count's own day ends after it): only such counts reopen
#: their days, so an on-time batch costs the rollup nothing. Half the grace: clocks differ.
LATE_AFTER = GRACE / 2


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0.0, float(value))


class _Batch:
    """The increments and facts of one batch, written at the end."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.counts: Counter[Key] = Counter()
        #: (site, UTC day) of counts old enough that their local day may be rolled up already
        self.late: set[tuple[int, date]] = set()
        self._recent = datetime.now(UTC) - LATE_AFTER
        self.facts: dict[int, ConversationFacts] = {}
        #: conversations whose facts row was looked for (found or not)
        self.looked: set[int] = set()

    def preload(self, events: Sequence[AnalyticsEvent]) -> None:
        """Read the facts rows of every conversation of the batch in one query (a lookup per
        conversation was a third of the sink's time at a few hundred messages a second)."""
        cids = {
            cid for e in events if (cid := _int(e.properties.get("conversation_id"))) is not None
        }
        if not cids:
            return
        found = self.session.scalars(
            select(ConversationFacts).where(ConversationFacts.conversation_id.in_(cids))
        )
        self.facts.update((row.conversation_id, row) for row in found)
        self.looked |= cids

    def count(self, event: AnalyticsEvent, metric: str, dim: str = "") -> None:
        assert event.site_id is not None
        when = _utc(event.occurred_at)
        slot = (when.hour * 60 + when.minute) // SLOT_MINUTES
        self.counts[(event.site_id, when.date(), slot, metric, dim)] += 1
        if when < self._recent:
            self.late.add((event.site_id, when.date()))

    def conversation(self, event: AnalyticsEvent) -> ConversationFacts | None:
        """The facts row of the event's conversation, created if this is its first news."""
        cid = _int(event.properties.get("conversation_id"))
        if cid is None or event.site_id is None:
            return None
        row = self.facts.get(cid)
        if row is None and cid not in self.looked:
            row = self.session.get(ConversationFacts, cid)
        if row is None:
            when = _utc(event.occurred_at)
            row = ConversationFacts(
                conversation_id=cid,
                site_id=event.site_id,
                visitor_id=event.visitor_id,
                day=when.date(),
                started_at=when,
                bot_replied=False,
                agent_replied=False,
                handed_off=False,
            )
            self.session.add(row)
        self.facts[cid] = row
        return row

    def write(self) -> None:
        """Add the increments: an atomic ``count = count + n`` (two workers' batches of the same
        day never lose one another's counts), a new row when there was none (a clash on that
        insert fails the batch, which the host retries whole)."""
        for (site_id, day, slot, metric, dim), n in self.counts.items():
            done = self.session.execute(
                update(DailyCount)
                .where(
                    DailyCount.site_id == site_id,
                    DailyCount.day == day,
                    DailyCount.slot == slot,
                    DailyCount.metric == metric,
                    DailyCount.dim == dim,
                )
                .values(count=DailyCount.count + n)
            )
            if not getattr(done, "rowcount", 0):
                self.session.add(
                    DailyCount(site_id=site_id, day=day, slot=slot, metric=metric, dim=dim, count=n)
                )
                self.session.flush()
        # a count for a day already rolled up: that day reads raw again until it is re-rolled
        reopen(self.session, self.late)


def apply(batch: _Batch, event: AnalyticsEvent) -> None:
    """Fold one event into the batch; events this sink does not know are ignored."""
    if event.site_id is None:
        return
    p = event.properties
    name = event.name
    if name == "conversation.started":
        batch.count(event, "conversations")
        batch.conversation(event)
    elif name == "message.sent":
        kind = str(p.get("author_kind") or "")
        if kind not in ("visitor", "agent", "bot"):
            return
        batch.count(event, "messages", kind)  # the heatmap: visitor messages per slot
        row = batch.conversation(event)
        if row is not None and kind == "bot":
            row.bot_replied = True
        elif row is not None and kind == "agent":
            row.agent_replied = True
    elif name == "conversation.first_response":
        row = batch.conversation(event)
        seconds = _seconds(p.get("seconds"))
        if row is not None and seconds is not None and row.first_response_seconds is None:
            row.first_response_seconds = seconds
            row.first_response_kind = str(p.get("author_kind") or "")[:16] or None
    elif name == "conversation.handed_off":
        batch.count(event, "handed_off")
        row = batch.conversation(event)
        if row is not None:
            row.handed_off = True
    elif name == "conversation.closed":
        batch.count(event, "closed", str(p.get("by_kind") or "")[:40])
        row = batch.conversation(event)
        seconds = _seconds(p.get("seconds"))
        if row is not None and seconds is not None:
            row.resolution_seconds = seconds  # the last close counts (after a reopen)
    elif name == "feedback.csat_answered":
        row = batch.conversation(event)
        if row is not None:
            row.csat_satisfied = bool(p.get("satisfied"))  # a changed answer replaces it
    elif name == "suggest.shown":
        batch.count(event, "suggest_shown")
    elif name == "suggest.clicked":
        batch.count(event, "suggest_clicked")
    elif name in ("widget.loaded", "widget.opened"):
        batch.count(event, name.replace(".", "_"))


class AggregatingSink(AnalyticsSink):
    """Keeps the catalogue's events as daily aggregates in Chinwag's own database."""

    first_party = True

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        self.track_batch(ctx, [event])

    def track_batch(self, ctx: PluginContext, events: Sequence[AnalyticsEvent]) -> None:
        session = ctx.db_session
        batch = _Batch(session)
        try:
            batch.preload(events)
            for event in events:
                apply(batch, event)
            session.flush()
            batch.write()
            session.commit()
        except Exception:
            session.rollback()
            raise

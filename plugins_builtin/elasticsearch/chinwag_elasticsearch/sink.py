"""The sink: each batch of analytics events becomes one ``_bulk`` request.

Per-item handling: items the cluster answers with a retryable status (429, 5xx) are sent again,
alone, a few times within the job; items it refuses for good (a 400 such as a mapping conflict)
are logged with their error type and not retried. If retryable items remain, or the cluster
cannot be reached, the batch raises and the host queues it again with back-off (and counts it
as retried, then dead letters, in the plugin's health); the documents that were already indexed
are overwritten by their own stable ids, never duplicated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import AnalyticsEvent, AnalyticsSink, PluginContext
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chinwag_elasticsearch import documents
from chinwag_elasticsearch.client import Cluster, ClusterError
from chinwag_elasticsearch.models import IndexedVisitor

#: sends of one batch's retryable items within the job, and the pause before the first resend
#: (doubling); what still fails then waits for the host's back-off
ATTEMPTS_IN_JOB = 3
RESEND_PAUSE_SECONDS = 0.2


def settings_key(settings: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), repr(v)) for k, v in settings.items()))


class Clusters:
    """The client of the current settings (a change in the admin makes a new one), and whether
    its index template is in place. Per process; reset when the cluster fails, so a cluster
    that was replaced (or restarted empty) gets its template again before any document."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[tuple[tuple[str, str], ...], Cluster] = {}
        self._templated: set[tuple[tuple[str, str], ...]] = set()

    def get(self, settings: Mapping[str, Any]) -> Cluster:
        key = settings_key(settings)
        with self._lock:
            client = self._clients.get(key)
            if client is None:  # new settings: the old client's connections are closed
                for old in self._clients.values():
                    old.close()
                self._clients = {key: Cluster(settings)}
                client = self._clients[key]
            return client

    def ready(self, settings: Mapping[str, Any]) -> Cluster:
        """The client, its index template installed."""
        client = self.get(settings)
        key = settings_key(settings)
        if key not in self._templated:
            prefix = str(settings.get("index_prefix") or "chinwag")
            client.put_template(
                documents.template_name(prefix),
                documents.template(prefix),
                documents.template(prefix, legacy=True),
            )
            with self._lock:
                self._templated.add(key)
        return client

    def failed(self, settings: Mapping[str, Any]) -> None:
        with self._lock:
            self._templated.discard(settings_key(settings))


def remember_pseudonyms(session: Session, events: Sequence[AnalyticsEvent]) -> None:
    """Record each visitor's pseudonym before their documents leave (erasure finds them by it)."""
    seen: dict[int, tuple[int, str]] = {}
    for e in events:
        if e.visitor_id is not None and e.site_id is not None and e.distinct_id:
            seen.setdefault(e.visitor_id, (e.site_id, e.distinct_id))
    if not seen:
        return
    known = set(
        session.scalars(
            select(IndexedVisitor.visitor_id).where(IndexedVisitor.visitor_id.in_(list(seen)))
        )
    )
    rows = [
        {"visitor_id": vid, "site_id": site, "distinct_id": did}
        for vid, (site, did) in seen.items()
        if vid not in known
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        # two workers' batches may name the same new visitor at once
        session.execute(insert(IndexedVisitor).values(rows).on_conflict_do_nothing())
    else:  # pragma: no cover - Chinwag runs on SQLite and PostgreSQL
        session.add_all(IndexedVisitor(**row) for row in rows)
    session.commit()


class ElasticsearchSink(AnalyticsSink):
    """Indexes every catalogue event (and plugin events such as ``feedback.rating_given``) into
    ``<prefix>-events-<month>`` over ``_bulk``."""

    def __init__(self) -> None:
        self.clusters = Clusters()

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        self.track_batch(ctx, [event])

    def track_batch(self, ctx: PluginContext, events: Sequence[AnalyticsEvent]) -> None:
        settings = ctx.settings
        prefix = str(settings.get("index_prefix") or "chinwag")
        period = str(settings.get("index_period") or "month")
        actions = [
            (
                documents.index_name(prefix, period, e.occurred_at),
                documents.document_id(e),
                documents.document(e),
            )
            for e in events
        ]
        try:
            remember_pseudonyms(ctx.db_session, events)
        except Exception:
            ctx.db_session.rollback()
            raise
        try:
            self._send(ctx, self.clusters.ready(settings), actions, [e.name for e in events])
        except ClusterError:
            self.clusters.failed(settings)
            raise

    def _send(
        self,
        ctx: PluginContext,
        cluster: Cluster,
        actions: list[tuple[str, str, dict[str, Any]]],
        names: list[str],
    ) -> None:
        pending = list(range(len(actions)))
        pause = RESEND_PAUSE_SECONDS
        for attempt in range(1, ATTEMPTS_IN_JOB + 1):
            outcome = cluster.bulk(actions[i] for i in pending)
            for pos, reason in outcome.rejected.items():
                # refused for good: sending it again would fail the same way
                ctx.logger.error(
                    "elasticsearch: a %s document was refused (%s); not retried",
                    names[pending[pos]],
                    reason,
                )
            pending = [pending[pos] for pos in outcome.retry]
            if not pending:
                return
            if attempt < ATTEMPTS_IN_JOB:
                time.sleep(pause)
                pause *= 2
        raise ClusterError(f"_bulk: {len(pending)} item(s) still refused as retryable", 429)

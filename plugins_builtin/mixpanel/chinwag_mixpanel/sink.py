"""The sink: each batch of analytics events becomes Mixpanel events, sent through the
``mixpanel`` library's buffered consumer (at most 50 events a request).

With the API secret the events go to ``/import`` (authenticated, any age), without it to
``/track`` (the last 5 days). Every event's ``$insert_id`` is derived from the event itself, so a
batch the core retries after a partial failure is deduplicated by Mixpanel instead of counted
twice. A failure raises: the core keeps the batch (within ``CHINWAG_ANALYTICS_BUFFER``) and
retries it with back-off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chinwag_plugin_api import AnalyticsEvent, AnalyticsSink, PluginContext, VisitorRef
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chinwag_mixpanel.models import SentIdentity
from chinwag_mixpanel.plugin import Config

if TYPE_CHECKING:  # imported on first delivery: the library (and its feature-flag clients) is
    # a second of start-up on a busy machine for every process, enabled or not
    from mixpanel import BufferedConsumer, Mixpanel

#: the library warns on every call that passes the legacy API secret; the secret is what the
#: plugin's settings hold, so those warnings are noise in Chinwag's log
logging.getLogger("mixpanel").addFilter(lambda r: "is deprecated" not in r.getMessage())

BATCH = 50  # the buffered consumer's (and the library's) largest request
TRACK_WINDOW_S = 5 * 24 * 3600 - 3600  # /track refuses events older than 5 days
TIMEOUT = 10  # seconds per request; the core retries a failed batch with back-off


class MixpanelError(RuntimeError):
    """Mixpanel refused a batch or could not be reached (the message says which)."""


def insert_id(event: AnalyticsEvent) -> str:
    """A stable ``$insert_id`` (32 hex digits; Mixpanel allows 36 of ``[A-Za-z0-9-]``)."""
    key = json.dumps(
        [
            event.name,
            event.site_id,
            event.visitor_id,
            event.occurred_at.isoformat(),
            dict(event.properties),
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def millis(when: datetime) -> int:
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    return int(aware.timestamp() * 1000)


#: properties the library or Mixpanel set themselves; a host page's property of such a name
#: (``Chinwag('track', name, {"token": ...})``) would replace ours and get the batch refused
OWN = frozenset({"token", "distinct_id", "time", "mp_lib", "ip"})


def _key(key: str) -> str:
    return f"chinwag_{key.lstrip('$')}" if key in OWN or key.startswith(("$", "mp_")) else key


def properties(event: AnalyticsEvent) -> dict[str, Any]:
    """The event's Mixpanel properties: its own (the e-mail address, if the site opted in,
    goes to the profile instead), the site, the time in ms and the ``$insert_id``."""
    props = {_key(k): v for k, v in event.properties.items() if k != "email"}
    props.update(
        {
            "chinwag_site_id": event.site_id,
            "time": millis(event.occurred_at),
            "$insert_id": insert_id(event),
        }
    )
    return props


def consumer(config: Config) -> BufferedConsumer:
    from mixpanel import BufferedConsumer

    base = config.ingestion
    return BufferedConsumer(
        max_size=BATCH,
        events_url=f"{base}/track",
        people_url=f"{base}/engage",
        import_url=f"{base}/import",
        groups_url=f"{base}/groups",
        request_timeout=TIMEOUT,
        retry_limit=0,  # the core's back-off retries, not the library's sleeping ones
    )


def recent(ctx: PluginContext, events: Sequence[AnalyticsEvent]) -> Sequence[AnalyticsEvent]:
    """The events ``/track`` still takes (the last 5 days, less an hour's margin): one older
    event would get its whole request refused, on every retry. Only the API secret's
    ``/import`` takes older ones; the rest are left out, and logged."""
    oldest = time.time() - TRACK_WINDOW_S
    kept = [e for e in events if millis(e.occurred_at) / 1000 >= oldest]
    if len(kept) < len(events):
        ctx.logger.warning(
            "%d event(s) older than Mixpanel's /track takes were left out: set the API secret "
            "to import them",
            len(events) - len(kept),
        )
    return kept


class MixpanelSink(AnalyticsSink):
    """Forwards the catalogue's events (docs/analytics.md) to a Mixpanel project."""

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        self.track_batch(ctx, [event])

    def track_batch(self, ctx: PluginContext, events: Sequence[AnalyticsEvent]) -> None:
        config = Config.of(ctx.settings)
        if not config.token:
            raise MixpanelError("no project token set (the plugin's settings)")
        from mixpanel import Mixpanel, MixpanelException

        if not config.api_secret:
            events = recent(ctx, events)
        users = ledger(ctx, config, events)
        # profiles get a consumer of their own: a buffered consumer keeps the credentials of
        # the last message it was given, so a profile update between two imports would send
        # the imports' next request without the API secret
        buffered, profiles = consumer(config), consumer(config)
        mp = Mixpanel(config.token, consumer=buffered)
        people = Mixpanel(config.token, consumer=profiles)
        try:
            for event in events:
                self._send(mp, people, config, event, users.get(event.visitor_id or 0))
            if config.identity_merge == "merge" and config.api_secret:
                for vid, user_id in users.items():
                    distinct = next(e.distinct_id for e in events if e.visitor_id == vid)
                    mp.merge(None, distinct, user_id, api_secret=config.api_secret)
            buffered.flush()
            profiles.flush()
        except MixpanelException as err:
            raise MixpanelError(f"Mixpanel did not take the batch: {err}") from None

    def _send(
        self,
        mp: Mixpanel,
        people: Mixpanel,
        config: Config,
        event: AnalyticsEvent,
        user_id: str | None,
    ) -> None:
        distinct = event.distinct_id or ""  # "": an event of no visitor (Mixpanel's convention)
        props = properties(event)
        if user_id and config.identity_merge == "simplified" and distinct:
            props.update({"$user_id": user_id, "$device_id": distinct})
            distinct = user_id
        if config.api_secret:
            mp.import_data(
                None,
                distinct,
                event.name,
                props["time"],
                props,
                api_secret=config.api_secret,
            )
        else:
            mp.track(distinct, event.name, props)
        email = event.properties.get("email")
        if email and distinct:  # only present when the site opted in to the field
            people.people_set(distinct, {"$email": email})


def ledger(ctx: PluginContext, config: Config, events: Sequence[AnalyticsEvent]) -> dict[int, str]:
    """Write down which ids go to Mixpanel for which visitor, before they go (an erasure then
    asks Mixpanel to delete them all; an export names them). Returns the site's user id of
    verified visitors: with ``merge``, those to merge now (a visitor new to the ledger, or one
    whose session started in this batch: verification happens then; a repeated ``$merge`` is
    harmless, and a retried batch sends it again); with ``simplified``, every verified one."""
    firsts: dict[int, AnalyticsEvent] = {}
    for event in events:
        if event.visitor_id and event.distinct_id:
            firsts.setdefault(event.visitor_id, event)
    if not firsts:
        return {}
    started = {e.visitor_id for e in events if e.name == "widget.session_started"}
    session = ctx.db_session
    for attempt in (1, 2):
        users: dict[int, str] = {}
        try:
            found = session.execute(
                select(SentIdentity).where(SentIdentity.visitor_id.in_(list(firsts)))
            ).scalars()
            rows = {row.visitor_id: row for row in found}
            for vid, event in firsts.items():
                row = rows.get(vid)
                if row is None:
                    row = SentIdentity(
                        visitor_id=vid,
                        site_id=event.site_id or 0,
                        distinct_id=str(event.distinct_id),
                        first_sent_at=datetime.now(UTC),
                    )
                    session.add(row)
                if config.identity_merge == "off":
                    continue
                if vid not in rows or vid in started:
                    visitor: VisitorRef | None = ctx.visitor(vid)
                    if visitor is not None and visitor.verified and visitor.external_id:
                        row.user_id = visitor.external_id[:255]
                        users[vid] = row.user_id
                if config.identity_merge == "simplified" and row.user_id:
                    users[vid] = row.user_id
            session.commit()
            return users
        except IntegrityError:  # another worker wrote the same visitor first: read it again
            session.rollback()
            if attempt == 2:
                raise
    return {}

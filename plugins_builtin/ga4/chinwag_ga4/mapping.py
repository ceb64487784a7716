"""Chinwag's analytics events in the Measurement Protocol's shape, within its rules: event and
parameter names of at most 40 letters, digits and underscores starting with a letter, none
reserved; at most 25 parameters an event, string values of at most 100 characters; at most 25
events a request, all of one ``client_id``; timestamps of the last 72 hours."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from chinwag_plugin_api import AnalyticsEvent

MAX_EVENTS = 25
MAX_PARAMS = 25
MAX_NAME = 40
MAX_VALUE = 100
MAX_AGE_S = 72 * 3600
#: names Google keeps for its own events (Measurement Protocol reference, "Reserved names")
RESERVED_EVENTS = frozenset(
    [
        "ad_activeview",
        "ad_click",
        "ad_exposure",
        "ad_impression",
        "ad_query",
        "ad_reward",
        "adunit_exposure",
        "app_background",
        "app_clear_data",
        "app_exception",
        "app_remove",
        "app_store_refund",
        "app_store_subscription_cancel",
        "app_store_subscription_convert",
        "app_store_subscription_renew",
        "app_update",
        "app_upgrade",
        "dynamic_link_app_open",
        "dynamic_link_app_update",
        "dynamic_link_first_open",
        "error",
        "first_open",
        "first_visit",
        "in_app_purchase",
        "notification_dismiss",
        "notification_foreground",
        "notification_open",
        "notification_receive",
        "os_update",
        "session_start",
        "session_start_with_rollout",
        "user_engagement",
    ]
)
RESERVED_PREFIXES = ("_", "firebase_", "ga_", "google_", "gtag.")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_]+")


def ga_name(name: str, fallback: str = "chinwag") -> str:
    """``message.sent`` -> ``message_sent``; always a valid, unreserved name."""
    out = _NOT_NAME.sub("_", name).strip("_")
    if not out or not out[0].isalpha():
        out = f"{fallback}_{out}".rstrip("_")
    if out in RESERVED_EVENTS or out.lower().startswith(RESERVED_PREFIXES):
        out = f"{fallback}_{out}"
    return out[:MAX_NAME].rstrip("_")


def ga_value(value: Any) -> str | int | float | None:
    """A parameter value GA4 takes (a string or a number), or None to leave it out."""
    if value is None or isinstance(value, Mapping):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    return str(value)[:MAX_VALUE]


def params(event: AnalyticsEvent) -> dict[str, str | int | float]:
    """The event's properties as parameters (the e-mail address never: GA4's terms forbid
    personal data), with the site's id and the engagement time GA4's reports need."""
    out: dict[str, str | int | float] = {"engagement_time_msec": 1}
    if event.site_id is not None:
        out["chinwag_site_id"] = event.site_id
    for key, value in event.properties.items():
        if key == "email" or len(out) >= MAX_PARAMS:
            continue
        mapped = ga_value(value)
        if mapped is not None:
            out.setdefault(ga_name(key, "p"), mapped)
    return out


def micros(when: datetime) -> int:
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    return int(aware.timestamp() * 1_000_000)


def client_id(event: AnalyticsEvent) -> str:
    """The visitor's pseudonym; an event of no visitor counts under its site."""
    return event.distinct_id or f"chinwag.site.{event.site_id}"


def payloads(events: Sequence[AnalyticsEvent], now: datetime) -> Iterator[dict[str, Any]]:
    """Request bodies: the events of each client, in order, 25 at most a request. Events older
    than GA4 takes (72 hours) are left out."""
    oldest = micros(now) - MAX_AGE_S * 1_000_000
    by_client: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        when = micros(event.occurred_at)
        if when < oldest:
            continue
        by_client.setdefault(client_id(event), []).append(
            {"name": ga_name(event.name), "params": params(event), "timestamp_micros": when}
        )
    for cid, made in by_client.items():
        for start in range(0, len(made), MAX_EVENTS):
            yield {"client_id": cid, "events": made[start : start + MAX_EVENTS]}

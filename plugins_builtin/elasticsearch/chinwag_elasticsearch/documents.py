"""How an analytics event becomes a document: its index, its id and its fields, and the index
template whose explicit mappings every one of those fields has.

Every field is mapped up front (``dynamic: strict`` at the top): ids are ``keyword`` (exact
terms for filters and terms aggregations, never analysed), times ``date``, durations and scores
``double``. Properties the catalogue does not name (a host page's ``Chinwag('track', ...)``
properties, a plugin field added later) go under ``props``, kept in ``_source`` but never
indexed (``dynamic: false``), so nobody's free text turns into searchable, dynamically mapped
fields. Message text, only present when a site opted in (``analytics_fields``), is the one
``text`` field, mapped explicitly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chinwag_plugin_api import AnalyticsEvent

#: the template's version, in its ``_meta`` (raise it with every mapping change)
TEMPLATE_VERSION = 1

KEYWORD = {"type": "keyword", "ignore_above": 256}

#: catalogue properties (docs/analytics.md) by mapping type
KEYWORDS = (
    "conversation_id",
    "author_kind",
    "by",
    "by_kind",
    "survey_id",
    "agent_id",
    "scale",
    "nps_class",
    "locale",
    "rating_id",
    "message_id",
    "value",
    "reason",
    "suggestion_id",
    "suggestion_ids",
)
LONGS = ("seq",)
DOUBLES = ("seconds", "score")
BOOLEANS = ("assigned", "satisfied", "has_comment")

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "@timestamp": {"type": "date"},
        "event": KEYWORD,
        "site_id": KEYWORD,
        "distinct_id": KEYWORD,
        "email": KEYWORD,
        "text": {"type": "text"},
        **{name: KEYWORD for name in KEYWORDS},
        **{name: {"type": "long"} for name in LONGS},
        **{name: {"type": "double"} for name in DOUBLES},
        **{name: {"type": "boolean"} for name in BOOLEANS},
        "props": {"type": "object", "dynamic": False},
    },
}


def template_name(prefix: str) -> str:
    return f"{prefix}-events"


def index_pattern(prefix: str) -> str:
    """Every index of the plugin (searches, erasure, the dashboards' index pattern)."""
    return f"{prefix}-events-*"


def index_name(prefix: str, period: str, when: datetime) -> str:
    """The index of an event: one per UTC month (or day), so old months can be deleted or
    moved to cheaper nodes whole (the index template maps each new one)."""
    when = _utc(when)
    return (
        f"{prefix}-events-{when:%Y.%m.%d}" if period == "day" else f"{prefix}-events-{when:%Y.%m}"
    )


def template(prefix: str, legacy: bool = False) -> dict[str, Any]:
    """The index template for ``<prefix>-events-*``: composable (``_index_template``,
    Elasticsearch 7.8+ and OpenSearch), or the legacy form (``_template``) for older clusters."""
    meta = {"managed_by": "chinwag-elasticsearch", "version": TEMPLATE_VERSION}
    settings = {"index": {"number_of_shards": 1}}
    if legacy:
        return {
            "index_patterns": [index_pattern(prefix)],
            "order": 100,
            "settings": settings,
            "mappings": {"_meta": meta, **MAPPINGS},
        }
    return {
        "index_patterns": [index_pattern(prefix)],
        "priority": 100,
        "_meta": meta,
        "template": {"settings": settings, "mappings": MAPPINGS},
    }


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _keyword(value: Any) -> str | list[str] | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        return str(value)
    if isinstance(value, list | tuple) and all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        return [str(v) for v in value]
    return None


def _typed(name: str, value: Any) -> Any:
    """The value as its mapping types it, or None when it does not fit (it then goes to
    ``props``: a wrong type must never make the cluster refuse the whole document)."""
    if name in KEYWORDS:
        return _keyword(value)
    if name in LONGS:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if name in DOUBLES:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if ok else None
    if name in BOOLEANS:
        return value if isinstance(value, bool) else None
    if name in ("text", "email"):
        return value if isinstance(value, str) else None
    return None


def document(event: AnalyticsEvent) -> dict[str, Any]:
    """The event's fields. Never ``visitor_id`` (Chinwag's own id): ``distinct_id``, the
    site-salted pseudonym, names the visitor."""
    doc: dict[str, Any] = {
        "@timestamp": _utc(event.occurred_at).isoformat().replace("+00:00", "Z"),
        "event": event.name,
    }
    if event.site_id is not None:
        doc["site_id"] = str(event.site_id)
    if event.distinct_id:
        doc["distinct_id"] = event.distinct_id
    props: dict[str, Any] = {}
    from_page = event.name.startswith("widget.")  # a host page's own names and values
    for name, value in event.properties.items():
        typed = None if from_page and name not in ("email",) else _typed(name, value)
        if typed is not None:
            doc[name] = typed
        elif value is not None:
            props[name] = value
    if props:
        doc["props"] = props
    return doc


def document_id(event: AnalyticsEvent) -> str:
    """A stable id of the event: a batch delivered again (after a retry) overwrites its own
    documents instead of adding copies."""
    key = [
        event.name,
        event.site_id,
        event.distinct_id,
        _utc(event.occurred_at).isoformat(),
        _canonical(event.properties),
    ]
    return hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:40]


def _canonical(props: Mapping[str, Any]) -> list[Any]:
    return sorted(([k, v] for k, v in props.items()), key=lambda kv: str(kv[0]))

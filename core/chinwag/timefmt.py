"""Timestamps leave Chinwag as RFC 3339 in UTC with an explicit offset (``...+00:00``).

SQLite keeps no offset, so its datetimes come back naive (they are stored in UTC); serialised
as they were (``"2026-12-01T16:02:30.138943"``) a client in another time zone read them as its
local time. Every ``*_at`` of REST, socket events and exports goes through here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag_plugin_api import UtcDateTime

__all__ = ["UtcDateTime", "as_utc", "iso_utc"]


def as_utc(value: datetime) -> datetime:
    """An aware datetime in UTC (a naive one is UTC already: that is how it was stored)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_utc(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat()

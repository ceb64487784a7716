"""The plugin's tables: daily counters per site, and one timing row per conversation.

``analytics_counts`` holds only counts (per quarter hour, for time zones) (no visitor, no conversation): the dashboard sums a few
rows per day. ``analytics_conversations`` keeps what medians and rates need per conversation
(first-response and resolution seconds, who answered, hand-off, CSAT); it names the visitor only
so a privacy erasure can remove their rows. Core ids are plain integers, not foreign keys.
``analytics_days`` is a cache of the counters added up per whole past day of a time zone
(``chinwag_analytics.rollup``); ``analytics_zones`` lists the zones the dashboards are read in.
"""

from __future__ import annotations

from datetime import date, datetime

from chinwag_plugin_api import Model
from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

#: the length of a ``slot``: every time zone's offset from UTC is a multiple of it, so a slot
#: never straddles two local days or hours
SLOT_MINUTES = 15
#: the slot of counts made before slots existed (migration 0002): their UTC day, time unknown
NO_SLOT = -1


class DailyCount(Model):
    """How often ``metric`` (with its dimension ``dim``, e.g. the author kind) happened on a
    site in one quarter of an hour (``slot``: 0-95 of the UTC ``day``), so that the dashboard
    can add them up into the days and hours of any time zone."""

    __tablename__ = "analytics_counts"
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    dim: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


class ConversationFacts(Model):
    """What one conversation contributes to medians and rates, on the day it started."""

    __tablename__ = "analytics_conversations"
    conversation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(Integer)
    visitor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    day: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_response_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_response_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolution_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    bot_replied: Mapped[bool] = mapped_column(Boolean, default=False)
    agent_replied: Mapped[bool] = mapped_column(Boolean, default=False)
    handed_off: Mapped[bool] = mapped_column(Boolean, default=False)
    csat_satisfied: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    __table_args__ = (Index("ix_analytics_conversations_site_day", "site_id", "day"),)


#: the ``site_id`` of the rollup rows that add up every site (real site ids start at 1)
ALL_SITES = 0


class DayRollup(Model):
    """The counters of one whole past local day of ``zone`` (``site_id`` 0: every site), as the
    dashboard would add them up from the quarter hours: ``metric`` is a figure of the day
    (``conversations``, ``visitor_messages``, ..., ``suggest_clicked``, dim ``""``), ``heat``
    (dim ``weekday:hour``, visitor messages) or ``rolled`` (count 0: the day is in the rollup,
    even if nothing happened on it). Rebuilt by the plugin's job; the sink deletes a day's rows
    when a late count for it arrives, and the dashboard reads the quarter hours of any day that
    has no ``rolled`` row."""

    __tablename__ = "analytics_days"
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    dim: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


class RollupZone(Model):
    """A time zone the dashboards were read in (and the day it last was): the job keeps the
    rollup of these zones (UTC always)."""

    __tablename__ = "analytics_zones"
    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    asked_on: Mapped[date] = mapped_column(Date)

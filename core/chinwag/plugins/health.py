"""Plugin health stored per server process, so every process and the CLI report the same figures.

Each process counts its own hook calls in memory (no write on the hot path) and the background
loop of ``chinwag run`` writes them to ``plugin_health`` every couple of seconds, one row per
(plugin, process). A report sums the stored rows of the other processes with this process's
live counters: ``chinwag plugins list`` shows the server's health, not the CLI's own zeroes.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from chinwag_plugin_api import Model
from sqlalchemy import DateTime, Float, Integer, String, Table, Text, delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

#: rows of processes silent for longer than this are dropped (their counts with them)
KEEP_FOR = timedelta(days=30)
#: a process that wrote within this long counts as running
ALIVE_FOR = timedelta(seconds=60)


@dataclass
class HookStats:
    """One plugin's hook counters in this process (kept by the host, written by :func:`write`)."""

    calls: int = 0
    failures: int = 0
    timeouts: int = 0
    total_ms: float = 0.0
    last_error: str | None = None
    last_error_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        mean = self.total_ms / self.calls if self.calls else 0.0
        return {
            "calls": self.calls,
            "failures": self.failures,
            "timeouts": self.timeouts,
            "mean_ms": round(mean, 3),
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
        }


class PluginHealth(Model):
    """One process's cumulative hook counters for one plugin."""

    __tablename__ = "plugin_health"
    plugin: Mapped[str] = mapped_column(String(200), primary_key=True)
    process: Mapped[str] = mapped_column(String(120), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    timeouts: Mapped[int] = mapped_column(Integer, default=0)
    total_ms: Mapped[float] = mapped_column(Float, default=0.0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def process_key() -> str:
    """A name for this process that no other process, here or on another host, shares."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def write(conn: Connection, process: str, stats: dict[str, HookStats]) -> None:
    """Store this process's counters (one row per plugin) and drop long-silent processes."""
    now = datetime.now(UTC)
    table = cast(Table, PluginHealth.__table__)
    for plugin, s in stats.items():
        values: dict[str, Any] = {
            "calls": s.calls,
            "failures": s.failures,
            "timeouts": s.timeouts,
            "total_ms": s.total_ms,
            "last_error": s.last_error,
            "last_error_at": s.last_error_at,
            "updated_at": now,
        }
        done = conn.execute(
            update(table)
            .where(table.c.plugin == plugin, table.c.process == process)
            .values(**values)
        )
        if done.rowcount == 0:
            conn.execute(table.insert().values(plugin=plugin, process=process, **values))
    conn.execute(delete(table).where(table.c.updated_at < now - KEEP_FOR))


def stored(conn: Connection, exclude_process: str) -> dict[str, dict[str, Any]]:
    """The other processes' counters summed per plugin, with how many of them are running."""
    table = cast(Table, PluginHealth.__table__)
    rows = conn.execute(select(table).where(table.c.process != exclude_process)).all()
    alive_after = datetime.now(UTC) - ALIVE_FOR
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        agg = out.setdefault(
            r.plugin,
            {
                "calls": 0,
                "failures": 0,
                "timeouts": 0,
                "total_ms": 0.0,
                "last_error": None,
                "last_error_at": None,
                "processes": 0,
            },
        )
        for key in ("calls", "failures", "timeouts", "total_ms"):
            agg[key] += getattr(r, key) or 0
        if r.last_error_at and (agg["last_error_at"] or "") < r.last_error_at:
            agg["last_error"], agg["last_error_at"] = r.last_error, r.last_error_at
        updated = r.updated_at if r.updated_at.tzinfo else r.updated_at.replace(tzinfo=UTC)
        if updated >= alive_after:
            agg["processes"] += 1
    return out

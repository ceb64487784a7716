"""The plugin's one table: the history of on-demand audits of a site's widget."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chinwag_plugin_api import Model
from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Audit(Model):
    """One audit run: queued, running, then done, failed or unavailable (no Chromium/axe).

    ``results`` holds one entry per widget state (``closed``, ``open``, ``dark``, ``rtl``, ``prechat``, ``blocks``) with
    axe-core's violations, and the keyboard loop's steps. No visitor data is kept.
    """

    __tablename__ = "a11y_audits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_key: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    violations: Mapped[int | None] = mapped_column(Integer, nullable=True)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

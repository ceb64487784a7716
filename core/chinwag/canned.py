"""Canned responses: saved replies an agent inserts with ``/`` in the composer.

A response belongs to one site or, with no site, to every site; and to one team (only its
members and admins see it) or, with no team, to every agent. Deleting the team deletes its
responses (never shown to everyone instead). Its text may hold variables
(``{visitor.name}``, ``{visitor.email}``, ``{agent.name}``, ``{site.name}``) that the inbox fills in
when the agent inserts it, so the agent sees (and can edit) the final text before sending.
"""

from __future__ import annotations

from datetime import datetime

from chinwag_plugin_api import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chinwag.models import utcnow

#: the variables the inbox substitutes (documented in docs/admin.md)
VARIABLES = ("visitor.name", "visitor.email", "agent.name", "site.name")


class CannedResponse(Model):
    """One saved reply; ``shortcut`` is what the agent types after ``/``."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), nullable=True, index=True
    )
    #: the team whose members see it (plus admins); None: every agent (migration 0027)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), nullable=True, index=True
    )
    shortcut: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""Teams, and which sites each agent belongs to (directly or through a team).

A team has a name, sites and members. An agent sees the conversations of the sites they belong
to directly (:class:`AgentSite`) or through any of their teams; admins see every site. The one
rule that reads these tables is :mod:`chinwag.access`.
"""

from __future__ import annotations

from datetime import datetime

from chinwag_plugin_api import Model
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chinwag.models import utcnow


class Team(Model):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TeamSite(Model):
    """A site whose conversations the team's members see."""

    __tablename__ = "team_sites"
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TeamMember(Model):
    __tablename__ = "team_members"
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AgentSite(Model):
    """A site an agent belongs to directly, without a team."""

    __tablename__ = "agent_sites"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AccessDefault(Model):
    """What an agent on no team and no site sees when ``CHINWAG_UNSCOPED_AGENTS=auto`` (the
    default): ``all`` or ``none``, decided once by the migration 0020 (docs/admin.md)."""

    __tablename__ = "access_defaults"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

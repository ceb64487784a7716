"""Retention and legal hold: each site may keep conversations (and the files shared in them) and
inactive visitors for a limited number of days; a conversation on legal hold is kept regardless.

The deleting is done by :class:`RetentionJob`, a ``ScheduledJob`` of the core's own plugin record
(an entry point of the ``chinwag`` distribution, so it runs on the job queue once per interval
across every process, docs/jobs.md). It deletes in small batches, one short transaction each, so
chat never waits behind it for long (docs/privacy.md, "Retention"). :func:`plan` answers what the
next run would delete without deleting anything (the admin shows it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from chinwag_plugin_api import Model, PluginContext, PrivacyHandler, ScheduledJob
from sqlalchemy import DateTime, ForeignKey, Integer, String, delete, exists, func, select
from sqlalchemy.orm import Mapped, mapped_column

from chinwag import audit
from chinwag.actions.base import now, write_transaction
from chinwag.actions.privacy import erase_visitor, purge_used_links
from chinwag.extensions import db
from chinwag.models import Conversation, Message, Visitor
from chinwag.state import state

log = logging.getLogger(__name__)

#: conversations or visitors deleted per transaction; small, so no lock is held for long
BATCH = 100
#: batches of one kind per site and run; the rest waits for the next run (bounded run time)
MAX_BATCHES = 50
#: longest retention window an admin may set (10 years)
MAX_DAYS = 3650


def _utcnow() -> datetime:
    return now()


class RetentionPolicy(Model):
    """A site's retention windows, in days; ``None`` keeps that kind of data for ever."""

    __tablename__ = "retention_policies"
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    visitor_inactive_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class LegalHold(Model):
    """A conversation exempt from retention (and its visitor from inactivity deletion)."""

    __tablename__ = "legal_holds"
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    set_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


@dataclass(frozen=True)
class Plan:
    """What a run would delete for one site at ``at``."""

    site_id: int
    conversation_cutoff: datetime | None
    visitor_cutoff: datetime | None
    conversations: int
    visitors: int
    held: int


def _stored(when: datetime) -> datetime:
    """``when`` as the database compares it (SQLite keeps no offset)."""
    return when.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else when


def _held() -> Any:
    return exists().where(LegalHold.conversation_id == Conversation.id)


def _old_conversations(site_id: int, cutoff: datetime) -> Any:
    """Conversations of the site with no activity since ``cutoff`` and not on hold."""
    return (
        select(Conversation.id)
        .where(Conversation.site_id == site_id, Conversation.updated_at < _stored(cutoff))
        .where(~_held())
    )


def _inactive_visitors(site_id: int, cutoff: datetime) -> Any:
    """Visitors of the site not seen since ``cutoff`` with no conversation on hold."""
    held = (
        select(Conversation.id)
        .join(LegalHold, LegalHold.conversation_id == Conversation.id)
        .where(Conversation.visitor_id == Visitor.id)
    )
    return (
        select(Visitor.id)
        .where(Visitor.site_id == site_id, Visitor.last_seen_at < _stored(cutoff))
        .where(~held.exists())
    )


def _cutoff(days: int | None, at: datetime) -> datetime | None:
    return at - timedelta(days=days) if days else None


def policy(site_id: int) -> RetentionPolicy:
    """The site's policy (an unsaved, keep-everything one when none is stored)."""
    found = db.session.get(RetentionPolicy, site_id)
    return found or RetentionPolicy(site_id=site_id)


def plan(site_id: int, at: datetime | None = None) -> Plan:
    """What the next run would delete for the site (counts only; nothing changes)."""
    at = at or now()
    rule = policy(site_id)
    conv_cut = _cutoff(rule.conversation_days, at)
    vis_cut = _cutoff(rule.visitor_inactive_days, at)

    def count(stmt: Any) -> int:
        return int(
            db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar() or 0
        )

    held = count(
        select(LegalHold.conversation_id)
        .join(Conversation, Conversation.id == LegalHold.conversation_id)
        .where(Conversation.site_id == site_id)
    )
    return Plan(
        site_id,
        conv_cut,
        vis_cut,
        count(_old_conversations(site_id, conv_cut)) if conv_cut else 0,
        count(_inactive_visitors(site_id, vis_cut)) if vis_cut else 0,
        held,
    )


def _erase_conversations(ids: list[int]) -> None:
    """Plugins first (their files), then the core rows, in one short transaction."""
    chinwag = state()
    host = chinwag.plugins
    for record, handler in host.extensions(PrivacyHandler.namespace):
        host.call(record, handler.erase_conversations, chinwag.context(record), ids)
    with write_transaction():
        db.session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
        db.session.execute(delete(Conversation).where(Conversation.id.in_(ids)))


def _ids(stmt: Any, batch: int) -> list[int]:
    """The next batch's ids; the read is ended at once (no transaction open between batches)."""
    ids = [int(i) for i in db.session.execute(stmt.limit(batch)).scalars()]
    db.session.rollback()
    return ids


def run_site(site_id: int, at: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Delete what the site's policy says is due at ``at``, in batches; audited as one entry."""
    at = at or now()
    rule = db.session.get(RetentionPolicy, site_id)
    done = {"conversations": 0, "visitors": 0}
    if rule is None:
        return done
    conv_cut = _cutoff(rule.conversation_days, at)
    vis_cut = _cutoff(rule.visitor_inactive_days, at)
    if conv_cut is not None:
        for _ in range(MAX_BATCHES):
            ids = _ids(_old_conversations(site_id, conv_cut), batch)
            if not ids:
                break
            _erase_conversations(ids)
            done["conversations"] += len(ids)
    if vis_cut is not None:
        for _ in range(MAX_BATCHES):
            ids = _ids(_inactive_visitors(site_id, vis_cut), batch)
            if not ids:
                break
            for visitor_id in ids:
                visitor = db.session.get(Visitor, visitor_id)
                if visitor is not None:  # each erased like a privacy request, plugins included
                    erase_visitor(visitor, None, audited=False)
                    done["visitors"] += 1
    if any(done.values()):
        with write_transaction():
            audit.record(None, "retention.run", "site", site_id, **done)
    return done


def run_all(at: datetime | None = None) -> dict[int, dict[str, int]]:
    """One run over every site with a policy; then the markers of used self-service links whose
    lifetime is over are purged (they are kept for no site's policy: only until expiry)."""
    sites = list(db.session.execute(select(RetentionPolicy.site_id)).scalars())
    db.session.rollback()
    done = {site_id: run_site(site_id, at) for site_id in sites}
    purge_used_links(at.timestamp() if at else None)
    return done


class RetentionJob(ScheduledJob):
    """Hourly: each site's retention windows (registered by the core's own distribution)."""

    interval: ClassVar[int] = 3600

    def run(self, ctx: PluginContext) -> None:
        result = run_all()
        deleted = {k: v for k, v in result.items() if any(v.values())}
        if deleted:
            log.info("retention deleted %s", deleted)

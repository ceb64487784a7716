"""Whether a visitor's data may be used for a purpose (``ctx.has_consent``; docs/privacy.md).

Consent is an append-only history, ``consent_records``: one row per purpose each time a visitor
grants or withdraws it (from the widget, or through the API), with the version of the consent
text they saw. :func:`has_consent` reads the latest row of the purpose; a site that does not
require consent (``consent_required`` off) needs none. A grant covers the consent text it was
given to: when the site publishes a new ``consent_version``, older grants no longer count.

Visitors who consented before the history existed have only ``Visitor.consent_version`` /
``consent_at`` (the widget's session start still sets them, and records a grant as well); with
no record for a purpose, those columns decide, as they always did. Withdrawal therefore always
wins: it is a newer record.

This module is the one place the rule is written (the analytics pipeline calls :func:`decide`
when it collects an event, and :func:`consenting` again just before a third-party sink gets a
batch, so a withdrawal stops events already waiting in a queue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from chinwag_plugin_api import Model
from marshmallow import fields, validate
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from chinwag import events as ev
from chinwag.consent_catalogue import CATALOGUE, DEFAULT_PURPOSES, PURPOSES, Purpose
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site, Visitor, utcnow
from chinwag.schemas import Strict, StrictBool
from chinwag.timefmt import iso_utc

#: where a record came from
SOURCES: tuple[str, ...] = ("widget", "api")


class ConsentRecord(Model):
    """One grant or withdrawal of one purpose by one visitor; rows are never updated."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_latest", "visitor_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    #: the site's consent text version the visitor saw ("" when the site has none)
    version: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsentUpdateIn(Strict):
    """``consent.update`` (widget) and ``POST /api/v1/visitors/{id}/consent``: purpose ->
    granted; no purposes only reads the visitor's consent."""

    purposes = fields.Dict(
        keys=fields.String(validate=validate.OneOf(PURPOSES, error="Unknown consent purpose.")),
        values=StrictBool(),
        load_default=dict,
    )


def site_purposes(settings: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The purposes a site asks consent for (``consent_purposes``, catalogue order; the
    default when it names none), whether or not it requires consent now."""
    named = (settings or {}).get("consent_purposes")
    if not named:
        return DEFAULT_PURPOSES
    return tuple(p for p in PURPOSES if p in set(named))


def required_purposes(settings: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The purposes a visitor must grant in the first form to start chatting: all the site
    asks for but those it lets the visitor leave unticked (``consent_optional_purposes``; none
    by default, as when the first form had one checkbox granting them all)."""
    optional = set((settings or {}).get("consent_optional_purposes") or ())
    return tuple(p for p in site_purposes(settings) if p not in optional)


def first_form(settings: Mapping[str, Any] | None, ticked: list[str] | None) -> dict[str, bool]:
    """What the widget's first form records (purpose -> granted): ``ticked`` the purposes the
    visitor ticked (None: an older widget or client with one box, which grants all the site
    asks for). Every purpose asked gets a record, so one left unticked is a withdrawal and not
    covered by the visitor's ``consent_version``; a purpose not asked is refused
    (``purpose_not_asked``), a required one left unticked too (``consent_purpose_required``)."""
    asked = site_purposes(settings)
    if ticked is None:
        return dict.fromkeys(asked, True)
    not_asked = sorted(set(ticked) - set(asked))
    if not_asked:
        raise ApiError(
            "purpose_not_asked",
            f"This site does not ask consent for: {', '.join(not_asked)}.",
            400,
        )
    missing = [p for p in required_purposes(settings) if p not in ticked]
    if missing:
        raise ApiError(
            "consent_purpose_required",
            f"This site needs consent for {', '.join(missing)} to start a chat.",
            400,
        )
    return {p: p in ticked for p in asked}


def widget_feature(site: Site, mail: bool = False) -> list[dict[str, Any]]:
    """The widget's "Privacy" tab (a lazily loaded chunk, ``widget/src/features/consent.jsx``),
    on every site: the visitor deletes their history, asks for their transcript by e-mail
    (``mail``: the server can send mail) and, where the site asks for consent, sees and
    withdraws it per purpose the site asks for (``purposes``, empty otherwise; ``required``:
    the first form needs it ticked). The first form draws its checkboxes from the same list.
    docs/privacy.md, "Visitor self-service"."""
    settings = site.widget_settings or {}
    asks = bool(settings.get("consent_required", False))
    labels = {p.id: p.label for p in CATALOGUE}
    required = required_purposes(settings)
    return [
        {
            "id": "consent",
            "type": "consent",
            "event": ev.CONSENT_UPDATE,
            # the widget's strings (widget_locales) translate these keys
            "purposes": (
                [
                    {"id": p, "label": labels[p], "required": p in required}
                    for p in site_purposes(settings)
                ]
                if asks
                else []
            ),
            "mail": mail,
        }
    ]


def record_dict(row: ConsentRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "purpose": row.purpose,
        "granted": row.granted,
        "version": row.version,
        "source": row.source,
        "at": iso_utc(row.created_at),
    }


def _latest(visitor_ids: Iterable[int], purpose: str) -> dict[int, ConsentRecord]:
    """The newest record of ``purpose`` per visitor (one query)."""
    ids = list(set(visitor_ids))
    if not ids:
        return {}
    newest = (
        select(func.max(ConsentRecord.id))
        .where(ConsentRecord.visitor_id.in_(ids), ConsentRecord.purpose == purpose)
        .group_by(ConsentRecord.visitor_id)
    )
    rows = db.session.execute(select(ConsentRecord).where(ConsentRecord.id.in_(newest))).scalars()
    return {r.visitor_id: r for r in rows}


def _current_version(settings: Mapping[str, Any]) -> str:
    return str(settings.get("consent_version") or "")


def covers(
    site_settings: Mapping[str, Any] | None,
    consent_version: str | None,
    consent_at: datetime | None,
    purpose: str = "analytics",
    latest: ConsentRecord | None = None,
) -> bool:
    """The rule itself, for callers that read the visitor and the site's widget settings
    already: ``latest`` is the visitor's newest record of ``purpose`` (None: none; the legacy
    columns ``consent_version``/``consent_at`` then decide, for the default purposes only:
    they are what the first form granted before other purposes existed). A site that requires
    consent but does not ask for ``purpose`` has none for it: the feature does not run."""
    if purpose not in PURPOSES:
        return False
    settings = site_settings or {}
    if not settings.get("consent_required", False):
        return True
    if purpose not in site_purposes(settings):
        return False
    current = _current_version(settings)
    if latest is not None:
        return latest.granted and (not current or latest.version == current)
    if consent_at is None or not consent_version or purpose not in DEFAULT_PURPOSES:
        return False
    return not current or consent_version == current


def decide(
    site_settings: Mapping[str, Any] | None,
    visitor_id: int,
    consent_version: str | None,
    consent_at: datetime | None,
    purpose: str = "analytics",
) -> bool:
    """:func:`covers` for a visitor whose row the caller read; reads the newest record only
    when the site requires consent."""
    if purpose not in PURPOSES:
        return False
    if not (site_settings or {}).get("consent_required", False):
        return True
    latest = _latest([visitor_id], purpose).get(visitor_id)
    return covers(site_settings, consent_version, consent_at, purpose, latest)


def has_consent(visitor_id: int, purpose: str = "analytics") -> bool:
    """True when the visitor's site does not require consent, or the visitor's newest choice
    for ``purpose`` is a grant of the site's current consent text; False for an unknown
    visitor or purpose."""
    row = db.session.execute(
        select(Visitor.consent_version, Visitor.consent_at, Site.widget_settings)
        .join(Site, Site.id == Visitor.site_id)
        .where(Visitor.id == visitor_id)
    ).first()
    if row is None:
        return False
    return decide(row.widget_settings, visitor_id, row.consent_version, row.consent_at, purpose)


def consenting(visitor_ids: Iterable[int], purpose: str = "analytics") -> set[int]:
    """Which of ``visitor_ids`` consent to ``purpose`` now (a few queries for any number)."""
    ids = list(set(visitor_ids))
    if not ids:
        return set()
    rows = db.session.execute(
        select(Visitor.id, Visitor.consent_version, Visitor.consent_at, Site.widget_settings)
        .join(Site, Site.id == Visitor.site_id)
        .where(Visitor.id.in_(ids))
    ).all()
    latest = _latest(ids, purpose)
    return {
        r.id
        for r in rows
        if covers(r.widget_settings, r.consent_version, r.consent_at, purpose, latest.get(r.id))
    }


def record(
    visitor: Visitor,
    purposes: Mapping[str, bool],
    source: str,
    version: str | None = None,
) -> list[ConsentRecord]:
    """Append one record per purpose (the caller commits). ``version`` defaults to the site's
    current consent text version: what the visitor was shown. A purpose the site does not ask
    for is refused (``purpose_not_asked``): the visitor was never shown it."""
    unknown = sorted(set(purposes) - set(PURPOSES))
    if unknown:
        raise ApiError("unknown_purpose", f"Unknown consent purpose: {', '.join(unknown)}.", 400)
    if source not in SOURCES:
        raise ValueError(f"consent source {source!r}")
    site = db.session.get(Site, visitor.site_id)
    settings = (site.widget_settings if site else None) or {}
    not_asked = sorted(set(purposes) - set(site_purposes(settings)))
    if not_asked:
        raise ApiError(
            "purpose_not_asked",
            f"This site does not ask consent for: {', '.join(not_asked)}.",
            400,
        )
    if version is None:
        version = _current_version(settings)
    rows = [
        ConsentRecord(
            visitor_id=visitor.id,
            site_id=visitor.site_id,
            purpose=purpose,
            granted=bool(granted),
            version=version[:64],
            source=source,
        )
        for purpose, granted in sorted(purposes.items())
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def state_of(visitor: Visitor) -> dict[str, Any]:
    """What the visitor's widget shows: the site's current text version and, per purpose,
    whether the visitor's consent covers it now."""
    site = db.session.get(Site, visitor.site_id)
    settings = (site.widget_settings if site else None) or {}
    return {
        "required": bool(settings.get("consent_required", False)),
        "version": _current_version(settings),
        "purposes": {
            p: decide(settings, visitor.id, visitor.consent_version, visitor.consent_at, p)
            for p in site_purposes(settings)
        },
    }


def history(visitor_id: int) -> list[dict[str, Any]]:
    """Every record of a visitor, oldest first (their privacy export, the admin's view)."""
    rows = db.session.execute(
        select(ConsentRecord)
        .where(ConsentRecord.visitor_id == visitor_id)
        .order_by(ConsentRecord.id)
    ).scalars()
    return [record_dict(r) for r in rows]


def erase(visitor_id: int) -> int:
    """Delete a visitor's records (their erasure); how many there were."""
    result = db.session.execute(delete(ConsentRecord).where(ConsentRecord.visitor_id == visitor_id))
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "CATALOGUE",
    "DEFAULT_PURPOSES",
    "PURPOSES",
    "SOURCES",
    "ConsentRecord",
    "ConsentUpdateIn",
    "Purpose",
    "consenting",
    "covers",
    "decide",
    "erase",
    "first_form",
    "has_consent",
    "history",
    "record",
    "required_purposes",
    "site_purposes",
    "state_of",
    "widget_feature",
]

"""Whether a visitor's data may be used for a purpose (``ctx.has_consent``; docs/analytics.md).

The first implementation reads what the core records today: the site's ``consent_required``
widget setting and the visitor's recorded consent (``consent_version``/``consent_at``, set when
the widget starts a session after the visitor accepted the site's consent text). A recorded
consent covers every purpose until the site publishes a new ``consent_version``: consent given to
an older text does not cover the new one. Richer records (purposes, withdrawal) extend
:func:`has_consent` here, the one place the rule is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from chinwag.extensions import db
from chinwag.models import Site, Visitor

#: the purposes a consent can be asked for (third-party analytics is the only one the core uses)
PURPOSES: tuple[str, ...] = ("analytics",)


def has_consent(visitor_id: int, purpose: str = "analytics") -> bool:
    """True when the visitor's site does not require consent, or the visitor consented to the
    site's current consent text; False for an unknown visitor or purpose."""
    row = db.session.execute(
        select(Visitor.consent_version, Visitor.consent_at, Site.widget_settings)
        .join(Site, Site.id == Visitor.site_id)
        .where(Visitor.id == visitor_id)
    ).first()
    if row is None:
        return False
    return covers(row.widget_settings, row.consent_version, row.consent_at, purpose)


def covers(
    site_settings: Mapping[str, Any] | None,
    consent_version: str | None,
    consent_at: datetime | None,
    purpose: str = "analytics",
) -> bool:
    """The rule itself, for callers that read the visitor and the site's widget settings
    already (the analytics pipeline reads them in one query per event)."""
    if purpose not in PURPOSES:
        return False
    settings = site_settings or {}
    if not settings.get("consent_required", False):
        return True
    if consent_at is None or not consent_version:
        return False
    current = settings.get("consent_version") or ""
    return not current or consent_version == current

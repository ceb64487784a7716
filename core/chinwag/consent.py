"""Whether a visitor's data may be used for a purpose (``ctx.has_consent``; docs/analytics.md).

The first implementation reads what the core records today: the site's ``consent_required``
widget setting and the visitor's recorded consent (``consent_version``/``consent_at``, set when
the widget starts a session after the visitor accepted the site's consent text). A recorded
consent covers every purpose until the site publishes a new ``consent_version``: consent given to
an older text does not cover the new one. Richer records (purposes, withdrawal) extend
:func:`has_consent` here, the one place the rule is written.
"""

from __future__ import annotations

from chinwag.extensions import db
from chinwag.models import Site, Visitor

#: the purposes a consent can be asked for (third-party analytics is the only one the core uses)
PURPOSES: tuple[str, ...] = ("analytics",)


def has_consent(visitor_id: int, purpose: str = "analytics") -> bool:
    """True when the visitor's site does not require consent, or the visitor consented to the
    site's current consent text; False for an unknown visitor or purpose."""
    if purpose not in PURPOSES:
        return False
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is None:
        return False
    site = db.session.get(Site, visitor.site_id)
    if site is None:
        return False
    settings = site.widget_settings or {}
    if not settings.get("consent_required", False):
        return True
    if visitor.consent_at is None or not visitor.consent_version:
        return False
    current = settings.get("consent_version") or ""
    return not current or visitor.consent_version == current

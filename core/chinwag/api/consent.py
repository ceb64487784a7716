"""A visitor's consent over REST (admins): their current consent and its history, and recording
a grant or withdrawal collected elsewhere (e.g. the site's own cookie banner, ``source: api``).
Recording is audited; the rule is :mod:`chinwag.consent`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from chinwag import audit, consent
from chinwag.actions import get_visitor
from chinwag.api.base import endpoint
from chinwag.extensions import db

bp = Blueprint("consent", __name__, url_prefix="/api/v1/visitors")


def _answer(visitor_id: int) -> dict[str, Any]:
    visitor = get_visitor(visitor_id)
    return {"consent": consent.state_of(visitor), "records": consent.history(visitor.id)}


@endpoint(bp, "/<int:visitor_id>/consent", roles=("admin",), errors=("not_found",))
def show(visitor_id: int) -> Any:
    """The visitor's consent per purpose now, and every grant and withdrawal, oldest first."""
    return _answer(visitor_id)


@endpoint(
    bp,
    "/<int:visitor_id>/consent",
    methods=["POST"],
    body=consent.ConsentUpdateIn,
    roles=("admin",),
    errors=(
        "not_found",
        "unknown_purpose",
    ),
)
def update(visitor_id: int, body: dict[str, Any]) -> Any:
    """Record a grant or withdrawal per purpose (``{"purposes": {"analytics": false}}``)."""
    visitor = get_visitor(visitor_id)
    if not body["purposes"]:
        return _answer(visitor_id)
    consent.record(visitor, body["purposes"], "api")
    audit.record(g.user, "visitor.consent", "visitor", visitor_id, site_id=visitor.site_id, **body)
    db.session.commit()
    return _answer(visitor_id)

"""Privacy requests over REST: export or erase everything held about a visitor.

The work is done by :mod:`chinwag.actions.privacy` (core data and every plugin's data)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from chinwag import audit, revocation
from chinwag.actions import erase_visitor, export_visitor, get_visitor
from chinwag.api.base import endpoint
from chinwag.extensions import db

__all__ = ["bp", "erase_visitor", "export_visitor"]

bp = Blueprint("privacy", __name__, url_prefix="/api/v1/visitors")


@endpoint(bp, "/<int:visitor_id>/export", roles=("admin",))
def export(visitor_id: int) -> Any:
    """Everything Chinwag and its plugins hold about a visitor (GDPR access request)."""
    data = export_visitor(get_visitor(visitor_id))
    audit.record(g.user, "visitor.export", "visitor", visitor_id)
    db.session.commit()
    return data


@endpoint(bp, "/<int:visitor_id>", methods=["DELETE"], roles=("admin",))
def erase(visitor_id: int) -> Any:
    """Erase a visitor and everything held about them (GDPR erasure request)."""
    failed = erase_visitor(get_visitor(visitor_id), g.user)
    revocation.revoke("visitor", [visitor_id])
    return {"erased": True, "failed_plugins": failed}

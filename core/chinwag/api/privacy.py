"""Privacy requests over REST: find a visitor, export (JSON or one zip archive with their files) or
erase everything held about them. Admins only; every export and erasure is audited.

The work is done by :mod:`chinwag.actions.privacy` (core data and every plugin's data)."""

from __future__ import annotations

import tempfile
from typing import Any

from flask import Blueprint, Response, g, send_file
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chinwag import audit, revocation
from chinwag.actions import erase_visitor, export_visitor, get_visitor
from chinwag.actions.privacy import find_visitors, write_archive
from chinwag.api.base import authenticate, endpoint
from chinwag.extensions import db
from chinwag.schemas import Strict, StrictBool
from chinwag.timefmt import UtcDateTime

__all__ = ["bp", "erase_visitor", "export_visitor"]

bp = Blueprint("privacy", __name__, url_prefix="/api/v1/visitors")

#: archives up to this size stay in memory while they are written; larger ones spill to disk
_SPOOL_BYTES = 8 << 20


class VisitorSearch(Strict):
    visitor_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    email = fields.String(validate=validate.Length(min=3, max=320))
    external_id = fields.String(validate=validate.Length(min=1, max=200))
    site_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))

    @validates_schema
    def _one_criterion(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not ({"visitor_id", "email", "external_id"} & set(data)):
            raise ValidationError("Give a visitor id, an email or an external id.", "_schema")


class VisitorFoundOut(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    verified = StrictBool()
    created_at = UtcDateTime()
    last_seen_at = UtcDateTime()


@endpoint(bp, "", query=VisitorSearch, response=VisitorFoundOut, many=True, roles=("admin",))
def search(query: dict[str, Any]) -> Any:
    """Visitors by id, email (any case) or verified external id; newest first, at most 50."""
    return find_visitors(**query)


@endpoint(bp, "/<int:visitor_id>/export", roles=("admin",))
def export(visitor_id: int) -> Any:
    """Everything Chinwag and its plugins hold about a visitor (GDPR access request)."""
    data = export_visitor(get_visitor(visitor_id))
    audit.record(g.user, "visitor.export", "visitor", visitor_id)
    db.session.commit()
    return data


@bp.get("/<int:visitor_id>/export.zip")
def export_archive(visitor_id: int) -> Response:
    """The export as one zip: ``export.json`` and ``files/<plugin>/...`` (the visitor's files).

    A plain route, not ``endpoint()``: the answer is a file, not JSON (errors are still JSON)."""
    authenticate(("admin",))
    visitor = get_visitor(visitor_id)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (send_file closes)
    write_archive(visitor, spool)
    audit.record(g.user, "visitor.export", "visitor", visitor_id, archive=True)
    db.session.commit()
    spool.seek(0)
    return send_file(
        spool,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"chinwag-visitor-{visitor_id}.zip",
        max_age=0,
    )


@endpoint(bp, "/<int:visitor_id>", methods=["DELETE"], roles=("admin",))
def erase(visitor_id: int) -> Any:
    """Erase a visitor and everything held about them (GDPR erasure request)."""
    failed = erase_visitor(get_visitor(visitor_id), g.user)
    revocation.revoke("visitor", [visitor_id])
    return {"erased": True, "failed_plugins": failed}

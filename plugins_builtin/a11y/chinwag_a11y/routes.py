"""HTTP routes under ``/api/v1/plugins/chinwag-a11y`` (404 while the plugin is disabled), admins
only:

- ``POST /audits`` ``{site_key}`` -> 202: queue an audit of that site's widget
- ``GET /audits?site_key=...`` -> the site's audit history, newest first
- ``GET /audits/<id>`` -> one audit with its findings per state
"""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import (
    PluginError,
    RoutesProvider,
    StrictSchema,
    UtcDateTime,
    current_context,
    endpoint,
)
from flask import Blueprint
from marshmallow import Schema, fields, validate

from chinwag_a11y.audit import HISTORY, audit_dict, queue_audit
from chinwag_a11y.models import Audit

SITE_KEY = validate.Regexp(r"^[A-Za-z0-9_-]{4,64}$")


class AuditIn(StrictSchema):
    site_key = fields.String(required=True, validate=SITE_KEY)


class AuditQuery(StrictSchema):
    site_key = fields.String(required=True, validate=SITE_KEY)


class AuditOut(Schema):
    id = fields.Integer()
    site_key = fields.String()
    status = fields.String()
    violations = fields.Integer(allow_none=True)
    results = fields.Dict()
    error = fields.String(allow_none=True)
    created_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)


class A11yRoutes(RoutesProvider):
    """The on-demand audit's API."""

    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_a11y", __name__)

        @endpoint(bp, "/audits", methods=["POST"], body=AuditIn, response=AuditOut, status=202)
        def start(body: dict[str, Any]) -> Any:
            """Queue an audit of a site's widget (ends as ``unavailable`` without Chromium)."""
            return audit_dict(queue_audit(current_context(), body["site_key"]))

        @endpoint(bp, "/audits", query=AuditQuery, response=AuditOut, many=True)
        def audits(query: dict[str, Any]) -> Any:
            """A site's audits, newest first."""
            rows = (
                current_context()
                .db_session.query(Audit)
                .filter(Audit.site_key == query["site_key"])
                .order_by(Audit.id.desc())
                .limit(HISTORY)
            )
            return [audit_dict(a) for a in rows]

        @endpoint(bp, "/audits/<int:audit_id>", response=AuditOut)
        def audit(audit_id: int) -> Any:
            """One audit."""
            row = current_context().db_session.get(Audit, audit_id)
            if row is None:
                raise PluginError("No such audit.", "not_found", 404)
            return audit_dict(row)

        return bp

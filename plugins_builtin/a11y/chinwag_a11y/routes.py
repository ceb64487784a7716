"""HTTP routes under ``/api/v1/plugins/chinwag-a11y`` (404 while the plugin is disabled), admins
only:

- ``POST /audits`` ``{site_key}`` -> 202: queue an audit of that site's widget
- ``GET /audits?site_key=...`` -> the site's audit history, newest first
- ``GET /audits/<id>`` -> one audit with its findings per state
- ``POST /audits/run`` (a form: ``token``, ``site_key``) -> 303 to the admin page: the page's
  **Run audit** button (no bearer token there, see :mod:`chinwag_a11y.admin`)
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from chinwag_plugin_api import (
    PluginError,
    RoutesProvider,
    StrictSchema,
    UtcDateTime,
    current_context,
    endpoint,
)
from flask import Blueprint, redirect, request
from marshmallow import Schema, fields, validate

from chinwag_a11y.admin import PAGE, token_user
from chinwag_a11y.audit import HISTORY, audit_dict, queue_audit
from chinwag_a11y.models import Audit

SITE_KEY_PATTERN = r"^[A-Za-z0-9_-]{4,64}$"
SITE_KEY = validate.Regexp(SITE_KEY_PATTERN)


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

        @endpoint(
            bp, "/audits", methods=["POST"], body=AuditIn, response=AuditOut, status=202,
            errors={"site_not_found": 404, "origin_not_allowed": 403},
        )  # fmt: skip
        def start(body: dict[str, Any]) -> Any:
            """Queue an audit of a site's widget (ends as ``unavailable`` without Chromium); an
            unknown site key is ``404 site_not_found``."""
            ctx = current_context()
            ctx.public_site(body["site_key"])
            return audit_dict(queue_audit(ctx, body["site_key"]))

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

        @endpoint(bp, "/audits/<int:audit_id>", response=AuditOut, errors=("not_found",))
        def audit(audit_id: int) -> Any:
            """One audit."""
            row = current_context().db_session.get(Audit, audit_id)
            if row is None:
                raise PluginError("No such audit.", "not_found", 404)
            return audit_dict(row)

        @bp.post("/audits/run")
        def run_from_admin() -> Any:
            """The admin page's Run audit form: the signed token stands for the admin who saw
            the page; the answer goes back to the page, with the audit or what was wrong."""
            ctx = current_context()
            site_key = request.form.get("site_key", "").strip()
            back = {"site_key": site_key[:64]}
            if token_user(ctx, request.form.get("token", "")) is None:
                return redirect(f"{PAGE}?{urlencode({**back, 'error': 'form_expired'})}", 303)
            if not re.fullmatch(SITE_KEY_PATTERN, site_key):
                return redirect(f"{PAGE}?{urlencode({**back, 'error': 'validation_error'})}", 303)
            try:
                ctx.public_site(site_key)
            except PluginError as err:
                return redirect(f"{PAGE}?{urlencode({**back, 'error': err.code})}", 303)
            audit = queue_audit(ctx, site_key)
            return redirect(f"{PAGE}?{urlencode({'audit': audit.id})}", 303)

        return bp

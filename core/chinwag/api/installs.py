"""``GET /api/v1/sites/<id>/install``: a site's installation check for its admin page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import Schema, fields

from chinwag import installs
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site

bp = Blueprint("installs", __name__, url_prefix="/api/v1/sites")


class SeenOrigin(Schema):
    origin = fields.String()
    at = fields.String()


class InstallError(Schema):
    code = fields.String(metadata={"description": "origin_not_allowed"})
    origin = fields.String(allow_none=True)
    at = fields.String()


class UnknownKey(Schema):
    origin = fields.String(metadata={"description": "one of the site's allowed origins"})
    site_key = fields.String(metadata={"description": "the key it tried, which names no site"})
    at = fields.String(metadata={"description": "the latest try"})
    count = fields.Integer(metadata={"description": "tries recorded (at most one a minute)"})


class InstallOut(Schema):
    last_load_at = fields.String(allow_none=True)
    origins = fields.List(fields.Nested(SeenOrigin))
    errors = fields.List(fields.Nested(InstallError))
    unknown_keys = fields.List(
        fields.Nested(UnknownKey),
        metadata={"description": "loads from the site's allowed origins with an unknown key"},
    )


@endpoint(
    bp, "/<int:site_id>/install", response=InstallOut, roles=("admin",), errors=("site_not_found",)
)
def install(site_id: int) -> Any:
    """Where the widget was last loaded from and what went wrong (recorded at most once a
    minute per origin; the latest five of each), and which of its allowed origins loaded the
    widget with a site key that names no site (a mistyped ``data-site``)."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise ApiError("site_not_found", "No such site.", 404)
    return installs.check(site_id, list(site.allowed_origins or []))

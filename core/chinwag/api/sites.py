"""Sites: the websites that embed the widget, their origins, keys and widget settings.

The changes are actions (:mod:`chinwag.actions.sites`), shared with the CLI and the admin.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from sqlalchemy import select

from chinwag import actions, revocation
from chinwag.actions import create_site
from chinwag.api.base import endpoint
from chinwag.api.theme_checks import refuse_blocking
from chinwag.extensions import db
from chinwag.models import Site
from chinwag.schemas import SiteIn, SiteOut, SitePatch, SiteSecretOut

__all__ = ["bp", "create_site"]

bp = Blueprint("sites", __name__, url_prefix="/api/v1/sites")


@endpoint(bp, "", response=SiteOut, many=True)
def list_sites() -> Any:
    """Every site."""
    return db.session.execute(select(Site).order_by(Site.id)).scalars().all()


@endpoint(bp, "", methods=["POST"], body=SiteIn, response=SiteSecretOut, status=201)
def create(body: dict[str, Any]) -> Any:
    """Create a site; the response is the only one that shows the identity secret."""
    return create_site(
        body["name"],
        body["allowed_origins"],
        body["widget_settings"],
        body["identity_required"],
        g.user,
    )


@endpoint(bp, "/<int:site_id>", response=SiteOut, errors=("not_found",))
def get(site_id: int) -> Any:
    """One site."""
    return actions.get_site(site_id)


@endpoint(
    bp,
    "/<int:site_id>",
    methods=["PATCH"],
    body=SitePatch,
    response=SiteOut,
    errors=("not_found", "theme_refused", "widget_not_built"),
)
def patch(site_id: int, body: dict[str, Any]) -> Any:
    """Change a site's name, origins or widget settings; live widgets pick changes up."""
    site = actions.get_site(site_id)
    if "widget_settings" in body:  # a theme-check plugin's policy may refuse a failing theme
        refuse_blocking({**(site.widget_settings or {}), **body["widget_settings"]}, site.id)
    enforcing = body.get("identity_required") is True and not site.identity_required
    site = actions.update_site(site, body, g.user)
    if enforcing:  # anonymous sessions issued before end now, not when their token expires
        revocation.end_anonymous_sessions(site.id)
    return site


@endpoint(
    bp, "/<int:site_id>/rotate-key", methods=["POST"], response=SiteOut, errors=("not_found",)
)
def rotate_key(site_id: int) -> Any:
    """Replace the public site key (embed snippets must be updated)."""
    return actions.rotate_site_key(actions.get_site(site_id), g.user)


@endpoint(
    bp,
    "/<int:site_id>/rotate-identity-secret",
    methods=["POST"],
    response=SiteSecretOut,
    errors=("not_found",),
)
def rotate_identity_secret(site_id: int) -> Any:
    """New identity secret; the previous one stays valid until the next rotation."""
    return actions.rotate_identity_secret(actions.get_site(site_id), g.user)


@endpoint(bp, "/<int:site_id>", methods=["DELETE"], status=204, errors=("not_found",))
def delete(site_id: int) -> Any:
    """Delete a site and all its conversations."""
    actions.delete_site(actions.get_site(site_id), g.user)
    return None, 204

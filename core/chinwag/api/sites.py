"""Sites: the websites that embed the widget, their origins, keys and widget settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from chinwag import audit
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site, Visitor, VisitorToken
from chinwag.realtime import revocation
from chinwag.schemas import SiteIn, SiteOut, SitePatch, SiteSecretOut
from chinwag.security import new_identity_secret, new_site_key

bp = Blueprint("sites", __name__, url_prefix="/api/v1/sites")


def create_site(
    name: str,
    origins: list[str],
    widget_settings: dict[str, Any] | None = None,
    identity_required: bool = False,
    actor: Any = None,
) -> Site:
    """Create a site with a fresh public key and identity secret."""
    site = Site(
        name=name,
        site_key=new_site_key(),
        allowed_origins=sorted(set(origins)),
        widget_settings=widget_settings or {},
        identity_secret=new_identity_secret(),
        identity_required=identity_required,
    )
    db.session.add(site)
    db.session.flush()
    audit.record(actor, "site.create", "site", site.id, name=name, origins=site.allowed_origins)
    db.session.commit()
    return site


def _get(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None:
        raise ApiError("not_found", "No such site.", 404)
    return site


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


@endpoint(bp, "/<int:site_id>", response=SiteOut)
def get(site_id: int) -> Any:
    """One site."""
    return _get(site_id)


@endpoint(bp, "/<int:site_id>", methods=["PATCH"], body=SitePatch, response=SiteOut)
def patch(site_id: int, body: dict[str, Any]) -> Any:
    """Change a site's name, origins or widget settings; live widgets pick changes up."""
    site = _get(site_id)
    if "widget_settings" in body:
        site.widget_settings = {**(site.widget_settings or {}), **body.pop("widget_settings")}
    if "allowed_origins" in body:
        body["allowed_origins"] = sorted(set(body["allowed_origins"]))
    enforcing = body.get("identity_required") is True and not site.identity_required
    for key, value in body.items():
        setattr(site, key, value)
    anonymous = drop_anonymous_tokens(site) if enforcing else []
    audit.record(
        g.user,
        "site.update",
        "site",
        site.id,
        fields=sorted(body) + (["widget_settings"] if "widget_settings" not in body else []),
    )
    db.session.commit()
    revocation.revoke("visitor", anonymous, "identity_required")
    return site


def drop_anonymous_tokens(site: Any) -> list[int]:
    """Turning on "enforce identity" ends every anonymous visitor's session of the site (their
    tokens were valid for up to a day): the ids of the visitors whose tokens were deleted."""
    anonymous = select(Visitor.id).where(Visitor.site_id == site.id, Visitor.verified.is_(False))
    ids = sorted(
        db.session.execute(
            select(VisitorToken.visitor_id).where(VisitorToken.visitor_id.in_(anonymous)).distinct()
        ).scalars()
    )
    db.session.execute(sql_delete(VisitorToken).where(VisitorToken.visitor_id.in_(anonymous)))
    return ids


@endpoint(bp, "/<int:site_id>/rotate-key", methods=["POST"], response=SiteOut)
def rotate_key(site_id: int) -> Any:
    """Replace the public site key (embed snippets must be updated)."""
    site = _get(site_id)
    site.site_key = new_site_key()
    audit.record(g.user, "site.rotate_key", "site", site.id)
    db.session.commit()
    return site


@endpoint(bp, "/<int:site_id>/rotate-identity-secret", methods=["POST"], response=SiteSecretOut)
def rotate_identity_secret(site_id: int) -> Any:
    """New identity secret; the previous one stays valid until the next rotation."""
    site = _get(site_id)
    site.identity_secret_previous = site.identity_secret
    site.identity_secret = new_identity_secret()
    audit.record(g.user, "site.rotate_identity_secret", "site", site.id)
    db.session.commit()
    return site


@endpoint(bp, "/<int:site_id>", methods=["DELETE"], status=204)
def delete(site_id: int) -> Any:
    """Delete a site and all its conversations."""
    site = _get(site_id)
    audit.record(g.user, "site.delete", "site", site.id, name=site.name)
    db.session.delete(site)
    db.session.commit()
    return None, 204

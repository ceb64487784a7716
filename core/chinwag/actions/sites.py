"""Site changes (create, update, rotate keys, delete) and the widget's view of a site.

The REST API, the CLI, ``chinwag.testing`` and the admin all call these; each audits the change
and emits ``site.changed`` after the commit.
"""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api.events import SiteChanged

from chinwag import audit
from chinwag.actions.base import actor_of, emit
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site
from chinwag.security import new_identity_secret, new_site_key


def get_site(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None:
        raise ApiError("not_found", "No such site.", 404)
    return site


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
    emit(SiteChanged(site.id, action="created", by=actor_of(actor)))
    return site


def update_site(site: Site, changes: dict[str, Any], actor: Any = None) -> Site:
    """Change a site's name, origins, identity rule or widget settings (merged into the stored
    ones); live widgets pick changes up."""
    changes = dict(changes)
    if "widget_settings" in changes:
        site.widget_settings = {**(site.widget_settings or {}), **changes.pop("widget_settings")}
    if "allowed_origins" in changes:
        changes["allowed_origins"] = sorted(set(changes["allowed_origins"]))
    for key, value in changes.items():
        setattr(site, key, value)
    audit.record(
        actor,
        "site.update",
        "site",
        site.id,
        fields=sorted(changes) + (["widget_settings"] if "widget_settings" not in changes else []),
    )
    db.session.commit()
    emit(SiteChanged(site.id, action="updated", by=actor_of(actor)))
    return site


def rotate_site_key(site: Site, actor: Any = None) -> Site:
    """Replace the public site key (embed snippets must be updated)."""
    site.site_key = new_site_key()
    audit.record(actor, "site.rotate_key", "site", site.id)
    db.session.commit()
    emit(SiteChanged(site.id, action="updated", by=actor_of(actor)))
    return site


def rotate_identity_secret(site: Site, actor: Any = None) -> Site:
    """New identity secret; the previous one stays valid until the next rotation."""
    site.identity_secret_previous = site.identity_secret
    site.identity_secret = new_identity_secret()
    audit.record(actor, "site.rotate_identity_secret", "site", site.id)
    db.session.commit()
    emit(SiteChanged(site.id, action="updated", by=actor_of(actor)))
    return site


def delete_site(site: Site, actor: Any = None) -> None:
    """Delete a site and all its conversations."""
    site_id = site.id
    audit.record(actor, "site.delete", "site", site_id, name=site.name)
    db.session.delete(site)
    db.session.commit()
    emit(SiteChanged(site_id, action="deleted", by=actor_of(actor)))

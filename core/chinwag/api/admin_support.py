"""REST endpoints the web admin needs beyond the resources themselves.

The admin (``chinwag-admin``) is a plugin and imports nothing of the core, so what it shows
comes from here: plugin admin pages (listed per role and rendered by their plugin), the
protocol's event names (read from ``events.json``, never retyped in JavaScript), the OpenID
Connect button, and a site's embed snippet.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from chinwag_plugin_api import AdminPage
from flask import Blueprint, current_app, g, request
from marshmallow import Schema, fields

from chinwag.api.base import endpoint
from chinwag.api.theme_checks import describe, findings
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site
from chinwag.schemas import WidgetSettings
from chinwag.state import state
from chinwag.widget_assets import contrast_ratio, embed_snippet

bp = Blueprint("admin_support", __name__, url_prefix="/api/v1")


class AdminPageOut(Schema):
    plugin = fields.String()
    slug = fields.String()
    title = fields.String()
    roles = fields.List(fields.String())
    path = fields.String()


class AdminPageHtmlOut(AdminPageOut):
    html = fields.String()


class FindingOut(Schema):
    plugin = fields.String()
    criterion = fields.String()
    title = fields.String()
    severity = fields.String()
    subject = fields.String()
    measured = fields.String()
    threshold = fields.String()
    message = fields.String()
    fix = fields.String()
    setting = fields.String(allow_none=True)
    suggested_value = fields.String(allow_none=True)
    blocks_save = fields.Boolean()


class WidgetCheckOut(Schema):
    contrast_ratio = fields.Float()
    text_on_brand = fields.String()
    warnings = fields.List(fields.String())
    findings = fields.List(fields.Nested(FindingOut))


class EmbedOut(Schema):
    snippet = fields.String()
    script_url = fields.String()
    integrity = fields.String(allow_none=True)


def _pages() -> list[tuple[Any, AdminPage]]:
    return list(state().plugins.extensions(AdminPage.namespace))


def _page_dict(name: str, page: AdminPage) -> dict[str, Any]:
    return {
        "plugin": name,
        "slug": page.slug,
        "title": page.title,
        "roles": list(page.roles),
        "path": f"/admin/plugins/{name}/{page.slug}",
    }


@endpoint(bp, "/admin-pages", response=AdminPageOut, many=True, roles=("admin", "agent"))
def admin_pages() -> Any:
    """Admin pages of enabled plugins that the signed-in user's role may see (the navigation)."""
    return [_page_dict(r.name, p) for r, p in _pages() if g.user.role in p.roles]


@endpoint(
    bp,
    "/admin-pages/<plugin>/<slug>",
    response=AdminPageHtmlOut,
    roles=("admin", "agent"),
    errors=("forbidden", "not_found", "plugin_failed"),
)
def admin_page(plugin: str, slug: str) -> Any:
    """One plugin admin page, rendered by its plugin (isolated: a failing page is a 502)."""
    for record, page in _pages():
        if record.name != plugin or page.slug != slug:
            continue
        if g.user.role not in page.roles:
            raise ApiError("forbidden", "Your role does not allow this.", 403)
        html = state().plugins.call(record, page.render, state().context(record))
        if not isinstance(html, str):
            raise ApiError("plugin_failed", f"{plugin} could not render this page.", 502)
        return {**_page_dict(record.name, page), "html": html}
    raise ApiError("not_found", "No such admin page (or its plugin is disabled).", 404)


@endpoint(
    bp,
    "/widget-settings/check",
    methods=["POST"],
    body=WidgetSettings,
    response=WidgetCheckOut,
    errors=("widget_not_built",),
)
def widget_settings_check(body: dict[str, Any]) -> Any:
    """Validate unsaved designer settings and report what theme-check plugins find, as the
    admin types.

    ``text_on_brand`` is the text colour the widget will really use on the brand colour: the
    configured one when it reaches WCAG AA (4.5:1), else black or white, as the widget decides
    (that rule is the widget's, so it stays in the core). ``findings`` are the enabled
    ``chinwag.theme_checks`` plugins' (none without one); ``warnings`` repeats the messages of
    their errors, for clients of the 1.0 answer."""

    theme = describe(body)
    found = [{"plugin": name, **f.as_dict()} for name, f in findings(theme)]
    return {
        "contrast_ratio": round(
            contrast_ratio(theme.settings["brand_color"], theme.settings["text_color"]), 2
        ),
        "text_on_brand": theme.on_brand,
        "warnings": [f["message"] for f in found if f["severity"] == "error"],
        "findings": found,
    }


@bp.get("/protocol/events.json")
def protocol_events() -> Any:
    """The Socket.IO event names (``events.json``) for browser code without a build step."""
    raw = resources.files("chinwag").joinpath("events.json").read_text("utf-8")
    response = current_app.response_class(raw, mimetype="application/json")
    response.cache_control.max_age = 300
    return response


@bp.get("/auth/oidc")
def oidc_info() -> Any:
    """Whether OpenID Connect sign-in is configured, and the label of its button."""
    enabled = bool(
        current_app.config.get("CHINWAG_OIDC_ISSUER")
        and current_app.config.get("CHINWAG_OIDC_CLIENT_ID")
    )
    label = current_app.config.get("CHINWAG_OIDC_LABEL") or "single sign-on"
    return {"enabled": enabled, "label": label, "login_url": "/api/v1/auth/oidc/login"}


@endpoint(
    bp, "/sites/<int:site_id>/embed", response=EmbedOut, errors=("not_found", "widget_not_built")
)
def site_embed(site_id: int) -> Any:
    """The ``<script>`` tag a site owner pastes, with a Subresource Integrity hash when available."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise ApiError("not_found", "No such site.", 404)
    base = (current_app.config.get("CHINWAG_PUBLIC_URL") or request.host_url).rstrip("/")
    script_url = f"{base}/widget/chinwag.js"
    try:
        tag = embed_snippet(site.site_key, base)
    except ApiError:  # the widget is not built: no SRI hash to pin yet
        snippet = f'<script src="{script_url}" data-site="{site.site_key}" async></script>'
        return {"snippet": snippet, "script_url": script_url, "integrity": None}
    return {"snippet": tag["html"], "script_url": tag["url"], "integrity": tag["sri"]}

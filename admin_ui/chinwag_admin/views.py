"""Page shells of the admin. No data is rendered on the server: each shell loads one ES module
that signs in through the cookie session and talks to ``/api/v1`` with a bearer token.

Every response carries a strict Content-Security-Policy (scripts only from this origin, never
inline), so even a value that slipped past escaping could not run a script.
"""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import RoutesProvider
from flask import Blueprint, Response, abort, redirect, render_template, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
# the preview hosts the real widget, framed by the designer; the widget may inject its own styles
PREVIEW_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; connect-src 'self'; frame-src 'self'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"
)

#: page name -> (title, roles that may open it); the API enforces the same roles
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "inbox": ("Inbox", ("admin", "agent")),
    "sites": ("Sites", ("admin",)),
    "design": ("Widget designer", ("admin",)),
    "users": ("Users", ("admin",)),
    "plugins": ("Plugins", ("admin",)),
    "audit": ("Audit log", ("admin",)),
    "canned": ("Canned responses", ("admin",)),
    "privacy": ("Privacy requests", ("admin",)),
    "plugin-page": ("Plugin page", ("admin", "agent")),
    "teams": ("Teams", ("admin",)),
    "profile": ("Your profile", ("admin", "agent")),
}

bp = Blueprint(
    "chinwag_admin",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.after_request
def _headers(response: Response) -> Response:
    preview = request.endpoint == "chinwag_admin.preview"
    response.headers["Content-Security-Policy"] = PREVIEW_CSP if preview else CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if not preview:
        response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def _shell(page: str, **data: Any) -> str:
    title, roles = PAGES[page]
    return render_template(
        "chinwag_admin/app.html", page=page, title=title, roles=",".join(roles), data=data
    )


@bp.get("/")
def index() -> Any:
    return _shell("inbox")


@bp.get("/login")
def login() -> Any:
    return render_template("chinwag_admin/login.html")


@bp.get("/invite")
def invite() -> Any:
    return render_template("chinwag_admin/invite.html")


@bp.get("/inbox")
def inbox() -> Any:
    return redirect("/admin/")


@bp.get("/sites")
def sites() -> Any:
    return _shell("sites")


@bp.get("/sites/<int:site_id>/design")
def design(site_id: int) -> Any:
    return _shell("design", site_id=site_id)


@bp.get("/users")
def users() -> Any:
    return _shell("users")


@bp.get("/plugins")
def plugins() -> Any:
    return _shell("plugins")


@bp.get("/audit")
def audit() -> Any:
    return _shell("audit")


@bp.get("/canned")
def canned() -> Any:
    return _shell("canned")


@bp.get("/privacy")
def privacy() -> Any:
    return _shell("privacy")


@bp.get("/teams")
def teams() -> Any:
    return _shell("teams")


@bp.get("/profile")
def profile() -> Any:
    return _shell("profile")


@bp.get("/plugins/<name>/<slug>")
def plugin_page(name: str, slug: str) -> Any:
    return _shell("plugin-page", plugin=name, slug=slug)


@bp.get("/preview")
def preview() -> Any:
    """A host page with the real widget for the designer's preview frame (same origin: allowed)."""
    site_key = request.args.get("site", "")
    if not site_key or len(site_key) > 64:
        abort(404)
    return render_template("chinwag_admin/preview.html", site_key=site_key)


class AdminRoutes(RoutesProvider):
    """Mounts the admin at ``/admin``."""

    url_prefix = "/admin"

    def blueprint(self) -> Blueprint:
        return bp

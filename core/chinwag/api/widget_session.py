"""``POST /api/v1/widget/session``: a visitor's way in (see docs/protocol.md)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, has_request_context, request

from chinwag import availability
from chinwag.actions import start_widget_session
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.ratelimit import limiter
from chinwag.schemas import WidgetSessionIn, WidgetSessionOut
from chinwag.state import state
from chinwag.visitors import origin_allowed, own_origin, site_by_key
from chinwag.widget_features import features_for

bp = Blueprint("widget_session", __name__, url_prefix="/api/v1/widget")
#: each new session comes with its own message quota: new sessions are limited per client
#: address and per site (``CHINWAG_RATE_LIMIT_SESSIONS``, ``..._SITE_SESSIONS``) per minute
SESSION_WINDOW = 60.0

DEFAULT_SETTINGS: dict[str, Any] = {
    "brand_color": "#2f5bd3",
    "text_color": "#ffffff",
    "font_family": "system-ui, sans-serif",
    "corner_radius": 12,
    "theme": "auto",
    "position": "right",
    "offset_x": 20,
    "offset_y": 20,
    "launcher_icon": "chat",
    "team_name": "Support",
    "avatar_url": None,
    "greeting": "Hi! How can we help?",
    "placeholder": "Write a message…",
    "locale": "en",
    "show_on": [],
    "hide_on": [],
    "prechat_form": False,
    "consent_required": False,
    "consent_text": "",
    "consent_version": "",
    "consent_purposes": ["analytics"],
    "consent_optional_purposes": [],
    # widget 1.1
    "launcher_style": "icon",
    "launcher_text": "",
    "launcher_image_url": None,
    "greetings": [],
    "font_urls": [],
}


def widget_settings(site: Any) -> dict[str, Any]:
    return {**DEFAULT_SETTINGS, **(site.widget_settings or {})}


def widget_features(site: Any, locale: str | None = None) -> dict[str, Any]:
    """The widget features declared by the plugins enabled for this site right now, in the
    visitor's ``locale`` (else the site's; ``auto``: the browser's Accept-Language)."""
    return features_for(state().plugins, site.id, visitor_locale(site, locale))


def visitor_locale(site: Any, locale: str | None = None) -> str | None:
    """The locale a visitor reads the widget in: theirs, else the site's, ``auto`` resolved
    from the request's Accept-Language (None outside a request: the texts' defaults)."""
    chosen = locale or widget_settings(site)["locale"]
    if chosen == "auto":
        return request.accept_languages.best if has_request_context() else None
    return str(chosen)


@endpoint(
    bp,
    "/session",
    methods=["POST"],
    body=WidgetSessionIn,
    response=WidgetSessionOut,
    roles=None,
    errors=(
        "identity_expired",
        "identity_invalid",
        "identity_required",
        "origin_not_allowed",
        "rate_limited",
        "site_not_found",
    ),
)
def session(body: dict[str, Any]) -> Any:
    """Start or renew a visitor session; the Origin must be on the site's allow-list."""
    site = site_by_key(body["site_key"])
    if not origin_allowed(site, request.headers.get("Origin"), own_origin()):
        raise ApiError("origin_not_allowed", "This origin may not use this site's widget.", 403)
    cfg = current_app.config
    limiter("widget_session", "Too many new chat sessions; try again shortly.").hit_all(
        [
            (f"ws:ip:{request.remote_addr}", cfg["CHINWAG_RATE_LIMIT_SESSIONS"]),
            (f"ws:site:{site.id}", cfg["CHINWAG_RATE_LIMIT_SITE_SESSIONS"]),
        ],
        SESSION_WINDOW,
    )
    visitor, token, expires = start_widget_session(site, body)
    return {
        "visitor_token": token,
        "visitor_id": visitor.id,
        "verified": visitor.verified,
        "expires_at": expires,
        # whether an agent who sees the site is online (chinwag.availability): the widget shows
        # "Typically replies in a few minutes" or "We're away — leave a message"
        "settings": {**widget_settings(site), "availability": _availability(site.id)},
        "features": widget_features(site, body.get("locale") or visitor.locale),
    }


def _availability(site_id: int) -> str:
    return "online" if availability.site_available(site_id) else "away"


@endpoint(bp, "/settings/<site_key>", roles=None, errors=("origin_not_allowed", "site_not_found"))
def public_settings(site_key: str) -> Any:
    """Public appearance settings (the loader reads them to draw the launcher; nothing personal)."""
    site = site_by_key(site_key)
    if not origin_allowed(site, request.headers.get("Origin"), own_origin()):
        raise ApiError("origin_not_allowed", "This origin may not use this site's widget.", 403)
    return {"settings": widget_settings(site), "features": widget_features(site)}

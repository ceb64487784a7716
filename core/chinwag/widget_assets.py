"""Serving the widget: the loader, its hashed assets, the per-site launcher config, the chat
iframe and the full-page chat. See docs/widget.md.

The build (``make widget``) writes ``static/widget/manifest.json`` with the content-hashed asset
names, their SRI hashes and gzip sizes. The loader has a fixed URL and a short cache; hashed
assets are immutable and may be served from a CDN (``CHINWAG_ASSET_URL``). The iframe is framed
only by the site's allowed origins (``Content-Security-Policy: frame-ancestors``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request, send_from_directory
from markupsafe import escape
from marshmallow import fields, validate

from chinwag import installs
from chinwag.actions.visitors import widget_loaded
from chinwag.api.widget_session import DEFAULT_SETTINGS, widget_features, widget_settings
from chinwag.errors import ApiError
from chinwag.installs import origin_of
from chinwag.models import Site
from chinwag.ratelimit import limiter
from chinwag.schemas import WidgetSettings, no_repeats
from chinwag.visitors import origin_allowed, own_origin, site_by_key
from chinwag.widget_features import url_rule
from chinwag.widget_fonts import font_links, font_sources
from chinwag.widget_i18n import launcher_labels, strings, strings_json

bp = Blueprint("widget_assets", __name__)

STATIC = Path(__file__).parent / "static" / "widget"
LOADER_CACHE = "public, max-age=300"
CONFIG_CACHE = "public, max-age=60"
IMMUTABLE = "public, max-age=31536000, immutable"

_lock = threading.Lock()
_cache: dict[str, Any] = {"mtime": None, "manifest": None}


def manifest() -> dict[str, Any]:
    """The build's manifest, re-read when the file changes (a rebuild needs no restart)."""
    path = STATIC / "manifest.json"
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        raise ApiError(
            "widget_not_built", "The widget is not built; run `make widget`.", 503
        ) from None
    with _lock:
        if _cache["mtime"] != mtime:
            _cache["manifest"] = json.loads(path.read_text())
            _cache["mtime"] = mtime
        return _cache["manifest"]  # type: ignore[no-any-return]


def asset_url(name: str) -> str:
    """URL of a hashed asset (``name`` is a manifest key): on the CDN when configured."""
    return _asset(manifest()["files"][name])


def _asset(path: str) -> str:
    base = (current_app.config.get("CHINWAG_ASSET_URL") or "/widget").rstrip("/")
    return f"{base}/{path}"


def embed_snippet(site_key: str, base_url: str) -> dict[str, str]:
    """The tag a site owner pastes, pinned to the current loader with Subresource Integrity.

    Returns ``{"html", "sri", "url"}``. The SRI hash changes with each loader build, so a
    snippet with ``integrity`` must be updated after an upgrade (the admin shows the current one).
    """
    sri = manifest()["sri"]["loader"]
    url = f"{base_url.rstrip('/')}/widget/chinwag.js"
    html = (
        f'<script src="{escape(url)}" data-site="{escape(site_key)}" '
        f'integrity="{sri}" crossorigin="anonymous" async></script>'
    )
    return {"html": html, "sri": sri, "url": url}


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def widget_settings_defaults() -> dict[str, Any]:

    return dict(DEFAULT_SETTINGS)


def _origins(site: Site) -> list[str]:
    return sorted({*(site.allowed_origins or []), own_origin()})


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element or a JS file (no ``</script>``, no HTML comments)."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset_origin() -> str:
    url = current_app.config.get("CHINWAG_ASSET_URL")
    if not url:
        return "'self'"
    parts = urlsplit(url)
    return f"'self' {parts.scheme}://{parts.netloc}"


def _seen(site: Site, origin: str | None) -> None:
    """The installation check (chinwag.installs): a load from an allowed origin, or the error."""
    if origin == own_origin():
        return  # Chinwag's own pages (the designer's previews) say nothing of the installation
    allowed = origin is None or origin in (site.allowed_origins or [])
    installs.record(site.id, origin, None if allowed else "origin_not_allowed")


@bp.get("/widget/chinwag.js")
def loader() -> Response:
    """The loader: fixed URL, short cache, readable cross-origin so SRI can check it."""
    res = send_from_directory(STATIC, manifest()["files"]["loader"], max_age=300)
    res.headers["Cache-Control"] = LOADER_CACHE
    res.headers["Access-Control-Allow-Origin"] = "*"
    res.headers["X-Content-Type-Options"] = "nosniff"
    res.mimetype = "text/javascript"
    return res


@bp.get("/widget/assets/<path:name>")
def assets(name: str) -> Response:
    """Content-hashed assets: cached for a year, never revalidated."""
    res = send_from_directory(STATIC / "assets", name, max_age=31536000)
    res.headers["Cache-Control"] = IMMUTABLE
    res.headers["Access-Control-Allow-Origin"] = "*"
    res.headers["X-Content-Type-Options"] = "nosniff"
    return res


@bp.get("/widget/config/<site_key>.js")
def config(site_key: str) -> Response:
    """The launcher's public config as a script (a host page's CSP then needs only
    ``script-src`` and ``frame-src`` for Chinwag). Nothing personal; no cookie is read or set."""
    try:
        site = site_by_key(site_key)
    except ApiError:
        # no site to tie it to: kept per origin, shown on the sites that allow that origin
        installs.record_refused(origin_of(request.referrer), site_key)
        raise
    _seen(site, origin_of(request.referrer))
    settings = widget_settings(site)
    launcher = manifest()["launcher"]
    icons = launcher["icons"]
    data = {
        "settings": settings,
        "origins": _origins(site),
        "labels": launcher_labels(),
        "icon": icons.get(settings.get("launcher_icon"), icons["chat"]),
        "x": icons["close"],
        "css": launcher["css"],
        "show": [url_rule(p) for p in settings.get("show_on") or []],
        "hide": [url_rule(p) for p in settings.get("hide_on") or []],
    }
    body = f'window.Chinwag&&Chinwag("_config",{_script_json(data)});\n'
    res = Response(body, mimetype="text/javascript")
    res.headers["Cache-Control"] = CONFIG_CACHE
    res.headers["X-Content-Type-Options"] = "nosniff"
    return res


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{css}" integrity="{css_sri}" crossorigin="anonymous">
<script type="application/json" id="chinwag-boot">{boot}</script>
<script type="importmap">{importmap}</script>
<script type="module" src="{js}" integrity="{js_sri}" crossorigin="anonymous"></script>
{preload}{fonts}</head><body><main id="chinwag"></main></body></html>
"""


def _field_rule(field: fields.Field[Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if isinstance(field, fields.List):
        rule["type"] = "list"
        rule["item"] = _field_rule(field.inner)
    elif isinstance(field, fields.Url):
        rule["type"] = "url"
    elif isinstance(field, fields.String):
        rule["type"] = "string"
    elif isinstance(field, fields.Boolean):
        rule["type"] = "boolean"
    elif isinstance(field, fields.Integer):
        rule["type"] = "integer"
    else:
        raise TypeError(f"no preview rule for {type(field).__name__}")
    if field.allow_none:
        rule["null"] = True
    for v in field.validators:
        if isinstance(v, validate.Regexp):
            rule["pattern"] = v.regex.pattern
        elif isinstance(v, validate.Range):
            rule["min"], rule["max"] = v.min, v.max
        elif isinstance(v, validate.OneOf):
            rule["choices"] = list(v.choices)
        elif isinstance(v, validate.Length):
            rule["min_len"], rule["max_len"] = v.min, v.max
        elif isinstance(v, validate.URL):
            rule["schemes"] = sorted(v.schemes or ())
        elif v is no_repeats:
            # told, not checked by the preview (a repeat shows the same as once); saving refuses it
            rule["unique"] = True
        else:
            raise TypeError(f"no preview rule for {type(v).__name__}")
    return rule


def preview_rules() -> dict[str, dict[str, Any]]:
    """``WidgetSettings`` as data the chat checks previewed settings against (the same keys,
    patterns, ranges, choices and lengths as the API), so the two never drift apart."""
    return {name: _field_rule(f) for name, f in WidgetSettings().fields.items()}


def lazy_import_map(m: dict[str, Any]) -> str:
    """The chat page's import map: the SRI hash of every lazily imported chunk by its URL, so
    the browser checks a feature chunk as it checks the chat's own script (a tampered chunk is
    refused: its feature does not appear, the chat goes on)."""
    integrity = {_asset(file): sri for file, sri in sorted(m.get("lazy_sri", {}).items())}
    return _script_json({"imports": {}, "integrity": integrity})


def _csp_hash(inline: str) -> str:
    """The CSP source allowing exactly this inline script (the import map)."""
    digest = hashlib.sha256(inline.encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def _page(site: Site, mode: str, host: str, ancestors: str) -> Response:
    m = manifest()
    settings = widget_settings(site)
    locale = request.args.get("locale") or settings["locale"]
    if len(locale) > 35:
        raise ApiError("invalid_locale", "The locale is too long.", 400)
    boot = {
        "site_key": site.site_key,
        "mode": mode,
        "host": host,
        "locale": locale,
        "settings": settings,
        "features": widget_features(site, locale),
        "strings": strings(locale if locale != "auto" else request.accept_languages.best),
        "max_chars": current_app.config["CHINWAG_MAX_MESSAGE_CHARS"],
        "icons": m["launcher"]["icons"],
    }
    if request.args.get("preview") == "1":
        # the admin's designer: no session, no storage, no socket; settings arrive by postMessage
        # from Chinwag's own origin only (docs/widget.md, "Live preview")
        boot["preview"] = preview_rules()
        # of the features, only the core's consent place: it draws the first form's consent
        # boxes; plugins' features need a session
        feats = boot["features"]
        boot["features"] = {
            **feats,
            "features": [f for f in feats["features"] if f["type"] == "consent"],
        }
        if mode == "page":
            ancestors = own_origin()
    importmap = lazy_import_map(m)
    html = PAGE.format(
        lang=escape(locale if locale != "auto" else "en"),
        title=escape(settings["team_name"]),
        css=escape(asset_url("css")),
        css_sri=m["sri"]["css"],
        js=escape(asset_url("chat")),
        js_sri=m["sri"]["chat"],
        preload="".join(
            f'<link rel="modulepreload" href="{escape(_asset(p["file"]))}" '
            f'integrity="{p["sri"]}" crossorigin="anonymous">\n'
            for p in m.get("preload", [])
        ),
        boot=_script_json(boot),
        importmap=importmap,
        fonts=font_links(settings),
    )
    res = Response(html, mimetype="text/html")
    assets = _asset_origin()
    res.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {assets} '{_csp_hash(importmap)}'; style-src {assets}{font_sources(settings)}; "
        "img-src * data: blob:; media-src * data: blob:; connect-src 'self'; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )
    res.headers["Cache-Control"] = "no-cache"
    res.headers["X-Content-Type-Options"] = "nosniff"
    res.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return res


@bp.get("/widget/icons.json")
def launcher_icons() -> Response:
    """The launcher's icons (SVG path data), for the admin designer's draft launcher."""
    res = Response(json.dumps(manifest()["launcher"]["icons"]), mimetype="application/json")
    res.headers["Cache-Control"] = CONFIG_CACHE
    return res


@bp.get("/widget/strings/<lang>.json")
def strings_table(lang: str) -> Response:
    """The chat's strings in another language (``Chinwag('setLocale', …)``, the designer)."""
    if len(lang) > 35:
        raise ApiError("invalid_locale", "The locale is too long.", 400)
    res = Response(json.dumps(strings_json(lang)), mimetype="application/json")
    res.headers["Cache-Control"] = CONFIG_CACHE
    res.headers["X-Content-Type-Options"] = "nosniff"
    return res


@bp.get("/widget/frame/<site_key>")
def frame(site_key: str) -> Response:
    """The chat iframe. ``host`` is the embedding page's origin: it must be allowed, and it is
    the only origin the frame will talk to over postMessage."""
    site = site_by_key(site_key)
    host = (request.args.get("host") or "").rstrip("/")
    _seen(site, origin_of(host))
    if not host or not origin_allowed(site, host, own_origin()):
        raise ApiError("origin_not_allowed", "This origin may not embed this site's widget.", 403)
    res = _page(site, "frame", host, " ".join(_origins(site)))
    if host != own_origin():  # Chinwag's own pages (the designer's previews) are no page views
        _count_load(site, "frame")
    return res


@bp.get("/chat/<site_key>")
def full_page(site_key: str) -> Response:
    """The shareable full-page chat of a site (links in emails, QR codes, support pages).

    Not framable, except with ``?preview=1`` by Chinwag's own pages (the admin's designer)."""
    site = site_by_key(site_key)
    res = _page(site, "page", own_origin(), "'none'")
    _count_load(site, "page")
    return res


#: the chat served again to one address (an IPv6 /64) for one site within this many seconds is
#: the same load: a script fetching the frame URL in a loop adds one load per window, not one per
#: request (docs/analytics-dashboards.md: what a load is, and the trade-off)
LOAD_WINDOW = 30.0


def _first_load(site: Site, mode: str) -> bool:
    """Whether this address has not been served the site's chat (frame or page, ``mode``) in
    the last :data:`LOAD_WINDOW` seconds (counted in Redis when configured, so across processes). Only a
    keyed hash of the address is kept, never the address."""
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6:  # one host is given a whole /64: count the network
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    except ValueError:
        pass
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(
        key, f"load:{site.site_key}:{mode}:{address}".encode(), hashlib.sha256
    ).hexdigest()
    try:
        limiter("widget_loads", "").hit(f"load:{digest[:32]}", 1, LOAD_WINDOW)
    except ApiError:
        return False
    return True


def _count_load(site: Site, mode: str) -> None:
    """Analytics' ``widget.loaded`` for a chat served to a page (not the designer's previews):
    counted here, when the chat is served, so a visitor who never opens it (and so never has a
    session or a connection) counts too; it names no visitor."""
    if request.args.get("preview") == "1" or not _first_load(site, mode):
        return
    required = bool((site.widget_settings or {}).get("consent_required", False))
    widget_loaded(site.id, mode, consent_required=required)

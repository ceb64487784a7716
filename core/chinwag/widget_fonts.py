"""The site's web fonts in the chat frame (``font_urls``): the frame's CSP has no ``font-src`` by
default (``default-src 'none'``); a site that names a web font in ``font_family`` lists its
stylesheet (and the origin of the font files, e.g. Google Fonts' ``https://fonts.gstatic.com``)
and the frame allows exactly those origins."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from markupsafe import escape


def _font_origins(settings: dict[str, Any]) -> list[str]:
    return sorted({"https://" + urlsplit(u).netloc for u in settings.get("font_urls") or []})


def font_links(settings: dict[str, Any]) -> str:
    """``<link>`` tags for the site's web font stylesheets (``font_urls`` with a path; a bare
    origin only allows the font files it serves)."""
    return "".join(
        f'<link rel="stylesheet" href="{escape(u)}">\n'
        for u in settings.get("font_urls") or []
        if urlsplit(u).path not in ("", "/")
    )


def font_sources(settings: dict[str, Any]) -> str:
    """What the frame's CSP adds for the site's web fonts: their origins in ``style-src`` (the
    caller's) and a ``font-src`` of their own; nothing when the site sets no ``font_urls``."""
    origins = " ".join(_font_origins(settings))
    return f" {origins}; font-src {origins}" if origins else ""

"""The ``chinwag.theme_checks`` extension point, from the core's side.

The core judges no theme itself: it describes the theme the widget will draw (the settings over
the defaults, the built widget's colours and sizes, read from its stylesheets so they are never
retyped here) and asks every enabled theme-check plugin about it. The widget designer shows their
findings as the site owner types; a save is refused when a finding says ``blocks_save``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import Finding, Theme, ThemeCheck

from chinwag.errors import ApiError
from chinwag.state import state
from chinwag.widget_assets import STATIC, contrast_ratio, manifest, widget_settings_defaults

_DECLS = re.compile(r"(--cw-[a-z-]+):(#[0-9a-fA-F]{3,8})")
_BLOCK = {
    "light": re.compile(r":root\{([^}]*)\}"),
    "dark": re.compile(r":root\[data-theme=dark\]\{([^}]*)\}"),
}
_FOCUS = re.compile(
    r"\.l:focus-visible\{outline:[0-9.]+px solid (#[0-9a-fA-F]{3,6})[^}]*?(#[0-9a-fA-F]{3,6})\}"
)
_PX = {
    "font_size": (r"html,body\{[^}]*font:([0-9.]+)px/", 1.0),
    "line_height": (r"html,body\{[^}]*font:[0-9.]+px/([0-9.]+)", 1.0),
    "icon_button": (r"\.cw-icon\{width:([0-9.]+)rem", 16.0),
}
_LAUNCHER = {
    "launcher_width": r"\.l\{[^}]*min-width:([0-9.]+)px",
    "launcher_height": r"\.l\{[^}]*;height:([0-9.]+)px",
}


def on_brand(brand: str, text: str) -> str:
    """The text colour the widget really draws on the brand colour: the configured one when it
    reaches WCAG AA (4.5:1), else black or white, as the widget decides."""
    if contrast_ratio(brand, text) >= 4.5:
        return text
    return "#000000" if contrast_ratio(brand, "#000000") >= 4.5 else "#ffffff"


def _built_styles() -> tuple[str, str]:
    """The chat's stylesheet and the launcher's, from the current build ('' when not built)."""
    try:
        built = manifest()
    except ApiError:
        return "", ""
    try:
        chat = (STATIC / built["files"]["css"]).read_text("utf-8")
    except (KeyError, OSError):
        chat = ""
    return chat, str(built.get("launcher", {}).get("css", ""))


def describe(settings: Mapping[str, Any], site_id: int | None = None) -> Theme:
    """The theme the widget draws for ``settings`` (merged over the defaults)."""
    merged = {**widget_settings_defaults(), **settings}
    chat, launcher = _built_styles()
    palettes: dict[str, dict[str, str]] = {}
    for scheme, block in _BLOCK.items():
        found = block.search(chat)
        if found:
            palettes[scheme] = dict(_DECLS.findall(found.group(1)))
    focus = _FOCUS.search(launcher)
    if focus:
        palettes["launcher"] = {"focus_outline": focus.group(1), "focus_halo": focus.group(2)}
    metrics: dict[str, float] = {}
    for key, (pattern, unit) in _PX.items():
        match = re.search(pattern, chat)
        if match:
            metrics[key] = float(match.group(1)) * unit
    for key, pattern in _LAUNCHER.items():
        match = re.search(pattern, launcher)
        if match:
            metrics[key] = float(match.group(1))
    return Theme(
        settings=merged,
        palettes=palettes,
        metrics=metrics,
        on_brand=on_brand(merged["brand_color"], merged["text_color"]),
        site_id=site_id,
    )


def findings(theme: Theme) -> list[tuple[str, Finding]]:
    """Every enabled theme check's findings, with the plugin that reported each, in hook order.

    A check that fails, times out or answers something else than findings is skipped (the
    host counts it in the plugin's health)."""
    host = state().plugins
    out: list[tuple[str, Finding]] = []
    for record, check in host.extensions(ThemeCheck.namespace):
        found: object = host.call(record, check.check, state().context(record), theme)
        if isinstance(found, list | tuple):
            out += [(record.name, item) for item in found if isinstance(item, Finding)]
    return out


def refuse_blocking(settings: Mapping[str, Any], site_id: int) -> None:
    """Refuse saving widget settings that a theme check's policy blocks (422 with the findings)."""
    blocking = [(p, f) for p, f in findings(describe(settings, site_id)) if f.blocks_save]
    if blocking:
        raise ApiError(
            "theme_refused",
            "This theme fails the site's accessibility policy: "
            + " ".join(f.message for _, f in blocking),
            422,
        )

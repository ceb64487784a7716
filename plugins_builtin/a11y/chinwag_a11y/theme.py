"""The theme check: WCAG 2.2 findings about a site's widget theme, for the widget designer.

What is measured, and against which criterion:

- 1.4.3 Contrast (Minimum), AA: text on its background, 4.5:1, for every colour pair the widget
  draws text with, in the light and the dark scheme (the brand pair is the site's own; the rest
  are the widget's palette, read from its built stylesheet). 1.4.6 Contrast (Enhanced), AAA, 7:1,
  is advice.
- 1.4.11 Non-text Contrast, AA, 3:1: the launcher (brand colour) against white and black host
  pages, the launcher's focus ring against both, the chat's focus ring and the selected tab's
  brand-coloured mark against the chat's background.
- 2.5.8 Target Size (Minimum), AA: 24 by 24 CSS pixels for the launcher and the icon buttons.
- Text floors (house rules, advice): body text of at least 14 px; line height of at least 1.5
  (1.4.8 Visual Presentation, AAA).
- Wording of the texts the owner writes (greeting, placeholder, launcher text, consent text):
  see :mod:`chinwag_a11y.content`.

Every colour finding suggests the nearest passing colour in OKLCH (:mod:`chinwag_a11y.wcag`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import Finding, PluginContext, Theme, ThemeCheck

from chinwag_a11y.content import text_issues
from chinwag_a11y.plugin import policy
from chinwag_a11y.wcag import contrast, nearest_passing

AA_TEXT, AAA_TEXT, NON_TEXT, TARGET = 4.5, 7.0, 3.0, 24.0
MIN_FONT_PX, MIN_LINE_HEIGHT = 14.0, 1.5

#: text the widget draws with its own palette: (foreground, background, what it is)
PALETTE_TEXT = (
    ("--cw-fg", "--cw-bg", "text on the chat background"),
    ("--cw-muted", "--cw-bg", "secondary text on the chat background"),
    ("--cw-link", "--cw-bg", "links and chips on the chat background"),
    ("--cw-err", "--cw-bg", "error text on the chat background"),
    ("--cw-fg", "--cw-bubble", "text in agents' message bubbles"),
)
HOSTS = (("#ffffff", "white"), ("#000000", "black"))
#: the texts a site owner writes in the designer, checked for wording
OWNER_TEXTS = ("greeting", "placeholder", "launcher_text", "consent_text", "team_name")


def _ratio(value: float) -> str:
    return f"{value:.2f}:1"


#: the rules a colour pair is measured against (each with its threshold)
AA = {
    "criterion": "1.4.3",
    "title": "Contrast (Minimum)",
    "severity": "error",
    "threshold": AA_TEXT,
}
AAA = {
    "criterion": "1.4.6",
    "title": "Contrast (Enhanced)",
    "severity": "advice",
    "threshold": AAA_TEXT,
}
NON_TEXT_RULE = {"criterion": "1.4.11", "title": "Non-text Contrast", "threshold": NON_TEXT}


def _contrast_finding(
    *,
    fg: str,
    bg: str,
    threshold: float,
    criterion: str,
    title: str,
    subject: str,
    severity: str,
    setting: str | None = None,
    adjust: str = "fg",
    blocks: bool = False,
    note: str = "",
) -> Finding | None:
    """A contrast finding when ``fg`` on ``bg`` misses ``threshold`` (None when it passes).
    ``adjust`` names the colour the suggestion changes: ``fg`` or ``bg``; ``setting`` the
    designer field the suggestion goes into (None: the widget's own palette, no button)."""
    ratio = contrast(fg, bg)
    if ratio >= threshold:
        return None
    changed, other = (fg, bg) if adjust == "fg" else (bg, fg)
    suggestion = nearest_passing(changed, other, threshold)
    fix = (
        f"Use {suggestion} instead of {changed} (the nearest colour that reaches {threshold:g}:1)."
        if suggestion
        else "No colour of this hue reaches it: choose another."
    )
    return Finding(
        criterion=criterion,
        title=title,
        severity=severity,
        subject=subject,
        measured=_ratio(ratio),
        threshold=f"{threshold:g}:1",
        message=f"{subject.capitalize()}: {fg} on {bg} has a contrast of {_ratio(ratio)}; "
        f"WCAG {criterion} asks for {threshold:g}:1.{note}",
        fix=fix,
        setting=setting,
        suggested_value=suggestion if setting else None,
        blocks_save=blocks,
    )


def _scheme_pairs(
    palette: Mapping[str, str], scheme: str, brand: str, block: bool
) -> list[dict[str, Any]]:
    """The pairs measured in one colour scheme of the chat: its text palette, its focus ring and
    the selected tab's brand-coloured mark on its background."""
    pairs: list[dict[str, Any]] = [
        {
            **AA,
            "fg": palette[fg],
            "bg": palette[bg],
            "subject": f"{what} ({scheme})",
            "blocks": block,
        }
        for fg, bg, what in PALETTE_TEXT
        if palette.get(fg) and palette.get(bg)
    ]
    bg = palette.get("--cw-bg")
    if not bg:
        return pairs
    if palette.get("--cw-focus"):
        pairs.append(
            {
                **NON_TEXT_RULE,
                "severity": "error",
                "fg": palette["--cw-focus"],
                "bg": bg,
                "subject": f"the chat's focus ring ({scheme})",
                "blocks": block,
            }
        )
    pairs.append(
        {
            **NON_TEXT_RULE,
            "severity": "advice",
            "fg": brand,
            "bg": bg,
            "subject": f"the selected tab's brand-coloured mark ({scheme})",
            "setting": "brand_color",
            "note": " The tab's bold text marks it too.",
        }
    )
    return pairs


def _launcher_pairs(theme: Theme, brand: str, block: bool) -> list[dict[str, Any]]:
    """The launcher on white and black host pages, its two-tone focus ring (one of the two tones
    must reach 3:1) and its icon on the brand colour."""
    ring = theme.palettes.get("launcher", {})
    parts = [c for c in (ring.get("focus_outline"), ring.get("focus_halo")) if c]
    pairs: list[dict[str, Any]] = []
    for host, name in HOSTS:
        pairs.append(
            {
                **NON_TEXT_RULE,
                "severity": "warning",
                "fg": brand,
                "bg": host,
                "subject": f"the launcher on {name} pages",
                "setting": "brand_color",
            }
        )
        if parts and max(contrast(c, host) for c in parts) < NON_TEXT:
            pairs.append(
                {
                    **NON_TEXT_RULE,
                    "severity": "error",
                    "fg": parts[0],
                    "bg": host,
                    "subject": f"the launcher's focus ring on {name} pages",
                    "blocks": block,
                }
            )
    pairs.append(
        {
            **NON_TEXT_RULE,
            "severity": "error",
            "fg": theme.on_brand,
            "bg": brand,
            "subject": "the launcher's icon",
            "setting": "brand_color",
            "adjust": "bg",
            "blocks": block,
        }
    )
    return pairs


def colour_findings(theme: Theme, block: bool) -> list[Finding]:
    """Contrast findings of text (1.4.3, 1.4.6) and of non-text parts (1.4.11): every pair is
    one rule applied to two colours, measured by :func:`_contrast_finding`."""
    s = theme.settings
    brand, text = str(s["brand_color"]), str(s["text_color"])
    on_brand = {"fg": text, "bg": brand, "subject": "the text colour on the brand colour"}
    pairs: list[dict[str, Any]] = [
        {
            **AA,
            **on_brand,
            "setting": "text_color",
            "blocks": block,
            "note": f" The widget draws {theme.on_brand} text instead until you change it.",
        }
    ]
    if contrast(text, brand) >= AA_TEXT:
        pairs.append({**AAA, **on_brand, "setting": "text_color"})
    for scheme in ("light", "dark"):
        pairs += _scheme_pairs(theme.palettes.get(scheme, {}), scheme, brand, block)
    pairs += _launcher_pairs(theme, brand, block)
    found = (_contrast_finding(**pair) for pair in pairs)
    return [f for f in found if f is not None]


def size_findings(metrics: Mapping[str, float]) -> list[Finding]:
    """Target size (2.5.8) of the launcher and icon buttons; text size and line-height floors."""
    out = []
    targets = {
        "the launcher": min(
            metrics.get("launcher_width", 1e9), metrics.get("launcher_height", 1e9)
        ),
        "the chat's icon buttons (attach, send)": metrics.get("icon_button", 1e9),
    }
    for what, size in targets.items():
        if size < TARGET:
            out.append(
                Finding(
                    criterion="2.5.8",
                    title="Target Size (Minimum)",
                    severity="error",
                    subject=what,
                    measured=f"{size:g} px",
                    threshold=f"{TARGET:g} px",
                    message=f"{what.capitalize()} is {size:g} px; WCAG 2.5.8 asks for "
                    f"{TARGET:g} by {TARGET:g} px.",
                    fix=f"Make it at least {TARGET:g} px.",
                )
            )
    font = metrics.get("font_size")
    if font is not None and font < MIN_FONT_PX:
        out.append(
            Finding(
                criterion="1.4.4",
                title="Resize Text",
                severity="advice",
                subject="body text",
                measured=f"{font:g} px",
                threshold=f"{MIN_FONT_PX:g} px",
                message=f"Body text is {font:g} px; below {MIN_FONT_PX:g} px many readers zoom.",
                fix="Offer the larger-text preference to visitors (this plugin does).",
            )
        )
    line = metrics.get("line_height")
    if line is not None and line < MIN_LINE_HEIGHT:
        out.append(
            Finding(
                criterion="1.4.8",
                title="Visual Presentation",
                severity="advice",
                subject="line height",
                measured=f"{line:g}",
                threshold=f"{MIN_LINE_HEIGHT:g}",
                message=f"Line height is {line:g}; WCAG 1.4.8 (AAA) asks for "
                f"{MIN_LINE_HEIGHT:g} within paragraphs.",
                fix="Visitors can choose wider spacing in the display preferences.",
            )
        )
    return out


def wording_findings(settings: Mapping[str, Any]) -> list[Finding]:
    """Wording advice on every text the owner writes (per-language greetings included)."""
    locale = str(settings.get("locale") or "en")
    texts = [(key, locale, str(settings.get(key) or "")) for key in OWNER_TEXTS]
    for line in settings.get("greetings") or []:
        lang, _, text = str(line).partition(":")
        texts.append(("greetings", lang.strip(), text))
    out = []
    if not str(settings.get("team_name") or "").strip():
        out.append(
            Finding(
                criterion="2.4.6",
                title="Headings and Labels",
                severity="error",
                subject="the team name",
                measured="empty",
                threshold="a name",
                message="The team name is empty: the chat's heading would say nothing.",
                fix="Name the team visitors talk to, e.g. your shop's name.",
                setting="team_name",
            )
        )
    for key, lang, text in texts:
        for issue in text_issues(text, lang):
            out.append(
                Finding(
                    criterion=issue.criterion or "wording",
                    title="Wording",
                    severity="warning" if issue.criterion == "2.4.4" else "advice",
                    subject=f"the {key.replace('_', ' ')} ({lang})",
                    measured=issue.code,
                    threshold="",
                    message=issue.message,
                    setting=key,
                )
            )
    return out


class A11yThemeCheck(ThemeCheck):
    """Everything above, with the site's policy: ``theme_policy = "block"`` (plugin-wide or for
    the site) refuses saving a theme with errors (AA failures); ``"warn"`` (the default) only
    shows them."""

    def check(self, ctx: PluginContext, theme: Theme) -> list[Finding]:
        block = policy(ctx.settings, theme.site_id, "theme_policy") == "block"
        return [
            *colour_findings(theme, block),
            *size_findings(theme.metrics),
            *wording_findings(theme.settings),
        ]

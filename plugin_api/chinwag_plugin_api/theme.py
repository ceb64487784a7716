"""Theme checks: plugins that judge a site's widget theme (contrast, sizes, wording).

The web admin's widget designer shows, as the site owner types, whatever the enabled
``chinwag.theme_checks`` plugins report about the unsaved settings; saving a theme asks them
again and refuses the save when one of their findings says ``blocks_save`` (a site policy the
plugin decides). With no such plugin enabled the designer shows no checks and every save goes
through: the core itself judges nothing (it only keeps the widget's own rule of falling back
to black or white text on the brand colour).

Added in 1.1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from chinwag_plugin_api.context import PluginContext

#: what a finding means for the site owner, strongest first
SEVERITIES = ("error", "warning", "advice")


@dataclass(frozen=True)
class Theme:
    """What a theme check judges: a site's widget theme as the widget will draw it.

    :param settings: the widget settings (the site's saved ones, with the designer's unsaved
        changes over them, over the defaults): ``brand_color``, ``text_color``, ``theme``,
        ``greeting``, ``launcher_style``... (docs/widget.md lists them).
    :param palettes: the widget's own colours per scheme (``light``, ``dark``), by CSS custom
        property (``--cw-bg``, ``--cw-fg``, ``--cw-muted``, ``--cw-link``, ``--cw-focus``...),
        read from the built widget's stylesheet; empty when the widget is not built.
    :param metrics: sizes of the built widget in CSS pixels (``font_size``, ``line_height``
        as a ratio, ``launcher_width``, ``launcher_height``, ``icon_button``): absent keys were
        not measurable.
    :param on_brand: the text colour the widget really draws on the brand colour (the
        configured one, or black or white when that fails 4.5:1).
    :param site_id: the site, or None for settings not yet tied to one.
    """

    settings: Mapping[str, Any]
    palettes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    on_brand: str = "#ffffff"
    site_id: int | None = None


@dataclass(frozen=True)
class Finding:
    """One thing a theme check found.

    :param criterion: the WCAG 2.2 success criterion, e.g. ``"1.4.3"``.
    :param title: its name, e.g. ``"Contrast (Minimum)"``.
    :param severity: ``error`` (fails the criterion at its level), ``warning`` or ``advice``
        (e.g. the AAA criterion 1.4.6, or wording).
    :param subject: what was measured, in the owner's words ("text on the brand colour, dark").
    :param measured: the measured value, e.g. ``"4.48:1"`` or ``"36 px"``.
    :param threshold: what the criterion asks, e.g. ``"4.5:1"``.
    :param message: one sentence for the site owner.
    :param fix: the suggested fix, in words.
    :param setting: the widget setting the fix changes (``brand_color``), if one does.
    :param suggested_value: a value for that setting that passes (``"#767676"``).
    :param blocks_save: True refuses saving the theme (the plugin's site policy).
    """

    criterion: str
    title: str
    severity: str
    subject: str
    measured: str
    threshold: str
    message: str
    fix: str = ""
    setting: str | None = None
    suggested_value: str | None = None
    blocks_save: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The finding as JSON for the admin."""
        return asdict(self)


class ThemeCheck(ABC):
    """Judges a site's widget theme for the admin's widget designer (WCAG checks, house rules).

    Called as the site owner types in the designer (``POST /api/v1/widget-settings/check``)
    and when a theme is saved (``PATCH /api/v1/sites/<id>``): keep it fast and pure. A check
    that raises or times out is skipped and counted in the plugin's health; the others still
    report.
    """

    namespace: ClassVar[str] = "chinwag.theme_checks"

    @abstractmethod
    def check(self, ctx: PluginContext, theme: Theme) -> Sequence[Finding]:
        """Return the findings about ``theme`` (empty when all is well)."""

"""Visitor display preferences: larger text, more contrast, reduced motion, easier spacing.

Declared through the widget's ``Preferences`` feature, so they are applied as the chat's CSS
custom properties and kept in the widget's storage (which a site that requires consent opens
only after consent). "Easier to read" follows the British Dyslexia Association's style guide
(wider letter and line spacing) rather than a special font: the widget's
allow-list has no font property, and research finds spacing helps more than dyslexia fonts.
"""

from __future__ import annotations

from collections.abc import Sequence

from chinwag_plugin_api import Feature, PluginContext, Preference, Preferences, WidgetFeatures

PREFERENCES = Preferences(
    title="Display",
    preferences=(
        Preference(
            "text_size",
            "Text size",
            (
                ("normal", "Normal", {"--cw-font-scale": "1"}),
                ("large", "Larger", {"--cw-font-scale": "1.25"}),
                ("larger", "Largest", {"--cw-font-scale": "1.5"}),
            ),
        ),
        Preference(
            "contrast",
            "Contrast",
            (
                ("normal", "Normal", {"--cw-contrast": "normal"}),
                ("more", "High contrast", {"--cw-contrast": "more"}),
            ),
        ),
        Preference(
            "motion",
            "Animations",
            (
                ("on", "On", {"--cw-motion": "1"}),
                ("reduced", "Reduced motion", {"--cw-motion": "0"}),
            ),
        ),
        Preference(
            "reading",
            "Reading",
            (
                (
                    "normal",
                    "Normal spacing",
                    {"--cw-letter-spacing": "0", "--cw-line-height": "1.5"},
                ),
                (
                    "easier",
                    "Easier to read (dyslexia-friendly spacing)",
                    {
                        "--cw-letter-spacing": ".12em",
                        "--cw-line-height": "1.8",
                    },
                ),
            ),
        ),
    ),
)


class A11yWidget(WidgetFeatures):
    """The display preferences on every site's widget, once the admin offers them
    (``visitor_preferences``: off by default, so installing the checks changes no widget)."""

    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        return [PREFERENCES] if ctx.settings.get("visitor_preferences") else []

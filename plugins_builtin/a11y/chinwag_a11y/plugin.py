"""The plugin's declaration and its settings: a default policy plus per-site overrides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import PluginInfo
from marshmallow import Schema, fields, validate

POLICIES = ("warn", "block")


class SitePolicy(Schema):
    """One site's override; a missing field falls back to the plugin-wide value."""

    theme_policy = fields.String(validate=validate.OneOf(POLICIES))
    require_alt_text = fields.Boolean()


class A11ySettings(Schema):
    """What admins set in the plugin's settings form."""

    theme_policy = fields.String(
        load_default="warn",
        validate=validate.OneOf(POLICIES),
        metadata={
            "description": "A theme that fails WCAG AA: warn in the designer (warn), or also "
            "refuse to save it (block)."
        },
    )
    require_alt_text = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Refuse an agent's image without a description (alt text) instead "
            "of only asking for one."
        },
    )
    visitor_preferences = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Offer visitors a Display tab in the widget (text size, contrast, "
            "motion, spacing)."
        },
    )
    chromium_path = fields.String(
        load_default="/usr/bin/chromium",
        validate=validate.Length(max=500),
        metadata={"description": "Chromium used by the on-demand audit (optional on a server)."},
    )
    axe_script = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"description": "Path of axe-core's axe.min.js for the audit (npm axe-core)."},
    )
    audit_timeout_seconds = fields.Integer(
        load_default=120,
        validate=validate.Range(min=10, max=600),
        metadata={"description": "An audit running longer is stopped and recorded as failed."},
    )
    sites = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^\d+$")),
        values=fields.Nested(SitePolicy),
        load_default=dict,
        metadata={
            "description": 'Per-site overrides by site id, e.g. {"3": {"theme_policy": "block"}}.'
        },
    )


def policy(settings: Mapping[str, Any], site_id: int | None, key: str) -> Any:
    """One policy value for a site: its override, else the plugin-wide setting."""
    override = (settings.get("sites") or {}).get(str(site_id), {}) if site_id else {}
    return override.get(key, settings.get(key))


INFO = PluginInfo(
    display_name="Accessibility checks",
    settings_schema=A11ySettings,
    migrations="chinwag_a11y.migrations",
)

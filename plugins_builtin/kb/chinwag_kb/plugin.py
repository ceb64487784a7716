"""The knowledge base's declaration: its name in the admin, its settings and its migrations."""

from __future__ import annotations

from chinwag_plugin_api import PluginInfo
from marshmallow import Schema, fields, validate


class KbSettings(Schema):
    """What an admin can tune; the admin renders the form from this schema."""

    help_tab = fields.Boolean(
        load_default=True, metadata={"description": "Show the Help tab in the widget."}
    )
    suggest_while_typing = fields.Boolean(
        load_default=True,
        metadata={"description": "Offer up to three articles while the visitor types."},
    )
    suggest_min_score = fields.Float(
        load_default=0.3,
        validate=validate.Range(min=0, max=1),
        metadata={"description": "Suggest only articles scoring at least this (0 to 1)."},
    )


INFO = PluginInfo(
    display_name="Knowledge base",
    settings_schema=KbSettings,
    migrations="chinwag_kb.migrations",
)

"""The plugin's declaration and its settings: global limits plus per-site overrides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import Attachments, Feature, PluginContext, PluginInfo, WidgetFeatures
from marshmallow import Schema, ValidationError, fields, validate, validates

from chinwag_media.sniff import KNOWN_TYPES

#: what a fresh install accepts: images, common video, PDF and plain text
DEFAULT_TYPES = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "application/pdf",
    "text/plain",
]


def _check_types(value: list[str]) -> None:
    unknown = sorted(set(value) - set(KNOWN_TYPES))
    if unknown:
        raise ValidationError(f"Types Chinwag cannot accept safely: {', '.join(unknown)}.")


def _media_type() -> fields.String:
    """One content type Chinwag can check, documented as the list it is checked against."""
    return fields.String(metadata={"enum": sorted(KNOWN_TYPES)})


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` only, as the settings' JSON Schema says (not "yes", 1 or "on")."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


class SiteLimits(Schema):
    """One site's override; a missing field falls back to the global value."""

    max_size_mb = fields.Integer(validate=validate.Range(min=1, max=2048))
    allowed_types = fields.List(_media_type(), validate=_check_types)
    enabled = StrictBoolean()


class MediaSettings(Schema):
    """What admins set in the plugin's settings form."""

    max_size_mb = fields.Integer(
        load_default=25,
        validate=validate.Range(min=1, max=2048),
        metadata={"description": "Largest upload accepted, in megabytes (all sites)."},
    )
    allowed_types = fields.List(
        _media_type(),
        load_default=lambda: list(DEFAULT_TYPES),
        validate=_check_types,
        metadata={"description": "Content types accepted (sniffed from the bytes)."},
    )
    sites = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,10}$")),
        values=fields.Nested(SiteLimits),
        load_default=dict,
        metadata={
            "description": 'Per-site overrides by site id, e.g. {"3": {"max_size_mb": 5, '
            '"allowed_types": ["image/jpeg", "image/png"], "enabled": true}}.'
        },
    )
    url_ttl_seconds = fields.Integer(
        load_default=600,
        validate=validate.Range(min=30, max=86400),
        metadata={"description": "Lifetime of a signed media link."},
    )
    max_image_pixels = fields.Integer(
        load_default=24_000_000,
        validate=validate.Range(min=1_000_000, max=200_000_000),
        metadata={"description": "Images larger than this many pixels are refused."},
    )
    image_memory_mb = fields.Integer(
        load_default=512,
        validate=validate.Range(min=64, max=8192),
        metadata={
            "description": "Memory one image decode may use (a separate process); an image "
            "that needs more is refused."
        },
    )
    uploads_per_visitor_per_minute = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=10_000),
        metadata={"description": "Uploads one visitor may make per minute."},
    )
    uploads_per_site_per_minute = fields.Integer(
        load_default=300,
        validate=validate.Range(min=1, max=1_000_000),
        metadata={
            "description": "Uploads all visitors and agents of one site may make per minute."
        },
    )
    video_timeout_seconds = fields.Integer(
        load_default=60,
        validate=validate.Range(min=5, max=600),
        metadata={"description": "Time limit of one ffmpeg run."},
    )
    direct_downloads = StrictBoolean(
        load_default=False,
        metadata={
            "description": "Redirect downloads to the storage's own signed URL (S3) instead of "
            "streaming through Chinwag. Saves bandwidth; the storage then sets the headers."
        },
    )

    @validates("sites")
    def _sites(self, value: Mapping[str, Any], **_: Any) -> None:
        if len(value) > 10_000:
            raise ValidationError("Too many site overrides.")


def limits_for(settings: Mapping[str, Any], site_id: int) -> dict[str, Any]:
    """The effective limits of one site: global values overridden by the site's entry."""
    site = dict((settings.get("sites") or {}).get(str(site_id)) or {})
    return {
        "enabled": site.get("enabled", True),
        "max_size": int(site.get("max_size_mb", settings.get("max_size_mb", 25))) * 1024 * 1024,
        "allowed_types": list(
            site.get("allowed_types", settings.get("allowed_types", DEFAULT_TYPES))
        ),
    }


INFO = PluginInfo(
    display_name="Media attachments",
    settings_schema=MediaSettings,
    enabled_by_default=True,
    migrations="chinwag_media.migrations",
)


class MediaWidget(WidgetFeatures):
    """Attachments in the widget's composer, on sites where media is enabled; processing results
    replace the "processing" block through the ``media.updated`` event."""

    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        from chinwag_media.service import EVENT_UPDATED

        limits = limits_for(ctx.settings, site_id)
        if not limits["enabled"]:
            return []
        return [
            Attachments(
                upload_path="uploads",
                accept=tuple(limits["allowed_types"]),
                max_bytes=limits["max_size"],
                updates_event=EVENT_UPDATED,
                update_key="media_id",
            )
        ]

"""What chinwag-mixpanel declares about itself: off by default, its settings (the secrets masked),
and the migration of its one table (which Mixpanel ids it used for which visitor)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chinwag_plugin_api import PluginInfo, StrictSchema, secret_field
from marshmallow import ValidationError, fields, validate

#: Mixpanel's ingestion host of each data residency, and the host of its GDPR API there
RESIDENCY = {
    "us": ("api.mixpanel.com", "mixpanel.com"),
    "eu": ("api-eu.mixpanel.com", "eu.mixpanel.com"),
    "in": ("api-in.mixpanel.com", "in.mixpanel.com"),
}
#: ``off``: pseudonyms only; ``merge``: a ``$merge`` of the pseudonym and the site's user id
#: (Original ID Merge projects, needs the API secret); ``simplified``: verified visitors' events
#: carry ``$user_id`` and ``$device_id`` (Simplified ID Merge projects)
IDENTITY_MERGE = ("off", "merge", "simplified")


def _check_host(value: str) -> None:
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValidationError("An http(s) origin such as https://api.example.com, no path.")


class MixpanelSettings(StrictSchema):
    project_token = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "The project token (Project settings > Access keys)."},
    )
    api_secret = secret_field(
        env="CHINWAG_MIXPANEL_API_SECRET",
        load_default="",
        metadata={
            "description": "The project's API secret: events go to /import (any age, "
            "authenticated) instead of /track (the last 5 days only); needed for $merge."
        },
    )
    gdpr_token = secret_field(
        env="CHINWAG_MIXPANEL_GDPR_TOKEN",
        load_default="",
        metadata={
            "description": "The OAuth token of Mixpanel's GDPR API, used to ask Mixpanel to "
            "delete a visitor's data when the visitor is erased in Chinwag."
        },
    )
    residency = fields.String(
        load_default="us",
        validate=validate.OneOf(tuple(RESIDENCY)),
        metadata={"description": "Where the project's data lives: us, eu or in."},
    )
    api_host = fields.String(
        load_default="",
        validate=_check_host,
        metadata={
            "description": "Send everything to this origin instead of Mixpanel's "
            "(a proxy, or a test server); empty: the residency's hosts."
        },
    )
    identity_merge = fields.String(
        load_default="off",
        validate=validate.OneOf(IDENTITY_MERGE),
        metadata={
            "description": "For verified visitors, link their pseudonym to the site's own user "
            "id (sent to Mixpanel): off, merge ($merge event) or simplified ($user_id)."
        },
    )


@dataclass(frozen=True)
class Config:
    """The settings a delivery needs, with the URLs of the chosen residency (or the override)."""

    token: str
    api_secret: str
    gdpr_token: str
    identity_merge: str
    ingestion: str
    gdpr: str

    @classmethod
    def of(cls, settings: Any) -> Config:
        ingestion, gdpr = RESIDENCY.get(str(settings.get("residency") or "us"), RESIDENCY["us"])
        override = str(settings.get("api_host") or "").rstrip("/")
        return cls(
            token=str(settings.get("project_token") or ""),
            api_secret=str(settings.get("api_secret") or ""),
            gdpr_token=str(settings.get("gdpr_token") or ""),
            identity_merge=str(settings.get("identity_merge") or "off"),
            ingestion=override or f"https://{ingestion}",
            gdpr=override or f"https://{gdpr}",
        )


INFO = PluginInfo(
    display_name="Mixpanel",
    settings_schema=MixpanelSettings,
    enabled_by_default=False,
    migrations="chinwag_mixpanel.migrations",
)

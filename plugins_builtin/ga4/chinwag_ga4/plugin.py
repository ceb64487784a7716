"""What chinwag-ga4 declares about itself: off by default, the measurement id and the API secret
(masked), the collection region, an origin override for proxies and tests, and what erasures need
to reach GA4's User Deletion API (the property id; a service account's key or an OAuth access
token, both masked; the API's base URL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chinwag_plugin_api import PluginInfo, StrictSchema, secret_field
from marshmallow import ValidationError, fields, validate

from chinwag_ga4.service_account import ServiceAccount

#: the Measurement Protocol's origin per region: EU collection keeps the data in the EU
REGIONS = {
    "global": "https://www.google-analytics.com",
    "eu": "https://region1.google-analytics.com",
}
#: Google's Analytics Admin API, whose ``submitUserDeletion`` deletes a user's data in a property
ADMIN_API = "https://analyticsadmin.googleapis.com"


def _check_origin(value: str) -> None:
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValidationError("An http(s) origin such as https://ga.example.com, no path.")


def _check_base(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValidationError("An http(s) URL such as https://analyticsadmin.googleapis.com.")


def _check_key(value: str) -> None:
    if not value:
        return
    try:
        ServiceAccount.parse(value)
    except ValueError as err:
        raise ValidationError(str(err)) from None


class GA4Settings(StrictSchema):
    measurement_id = fields.String(
        load_default="",
        validate=validate.Regexp(r"^(G-[A-Z0-9]{4,20})?$", error="A web stream's id: G-XXXXXXX."),
        metadata={"description": "The web data stream's measurement id (G-XXXXXXX)."},
    )
    api_secret = secret_field(
        env="CHINWAG_GA4_API_SECRET",
        load_default="",
        metadata={
            "description": "A Measurement Protocol API secret of that stream (Admin > Data "
            "streams > Measurement Protocol API secrets)."
        },
    )
    region = fields.String(
        load_default="global",
        validate=validate.OneOf(tuple(REGIONS)),
        metadata={"description": "global, or eu to collect in the EU (region1)."},
    )
    api_host = fields.String(
        load_default="",
        validate=_check_origin,
        metadata={
            "description": "Send to this origin instead of Google's (a proxy, or a test "
            "server); empty: the region's."
        },
    )
    property_id = fields.String(
        load_default="",
        validate=validate.Regexp(r"^([0-9]{1,20})?$", error="The property's numeric id."),
        metadata={
            "description": "The GA4 property's numeric id (Admin > Property details), for "
            "deletion requests when a visitor is erased."
        },
    )
    service_account_key = secret_field(
        env="CHINWAG_GA4_SERVICE_ACCOUNT_KEY",
        load_default="",
        validate=_check_key,
        metadata={
            "description": "The JSON key of a Google service account with the Editor role on "
            "the property: the plugin gets (and renews) its own access tokens for deletions."
        },
    )
    deletion_token = secret_field(
        env="CHINWAG_GA4_DELETION_TOKEN",
        load_default="",
        metadata={
            "description": "Instead of a service account key: an OAuth access token with the "
            "analytics.edit scope (it expires within the hour and is not renewed)."
        },
    )
    datalayer_sites = fields.String(
        load_default="",
        validate=validate.Regexp(
            r"^(\*|[1-9][0-9]{0,18}(,[1-9][0-9]{0,18})*)?$",
            error="Site ids separated by commas (1,3), * for every site, or empty.",
        ),
        metadata={
            "description": "Sites whose host page gets the widget's events in its dataLayer "
            "(for a tag manager or gtag.js on the page): site ids separated by commas, * for "
            "every site; empty: none."
        },
    )
    admin_api_url = fields.String(
        load_default=ADMIN_API,
        validate=_check_base,
        metadata={
            "description": "The base URL of the Analytics Admin API (a proxy, or a test "
            "server); default Google's."
        },
    )


@dataclass(frozen=True)
class Config:
    measurement_id: str
    api_secret: str
    origin: str
    property_id: str = ""
    deletion_token: str = ""
    admin_api_url: str = ADMIN_API
    service_account_key: str = ""

    @classmethod
    def of(cls, settings: Any) -> Config:
        override = str(settings.get("api_host") or "").rstrip("/")
        region = REGIONS.get(str(settings.get("region") or "global"), REGIONS["global"])
        return cls(
            measurement_id=str(settings.get("measurement_id") or ""),
            api_secret=str(settings.get("api_secret") or ""),
            origin=override or region,
            property_id=str(settings.get("property_id") or ""),
            deletion_token=str(settings.get("deletion_token") or ""),
            admin_api_url=str(settings.get("admin_api_url") or ADMIN_API).rstrip("/"),
            service_account_key=str(settings.get("service_account_key") or ""),
        )

    @property
    def ready(self) -> bool:
        return bool(self.measurement_id and self.api_secret)

    @property
    def can_delete(self) -> bool:
        """Whether erasures can ask GA4 to delete: a property id and a service account key or
        an access token are set."""
        return bool(self.property_id and (self.service_account_key or self.deletion_token))

    def deletion_url(self) -> str:
        return f"{self.admin_api_url}/v1alpha/properties/{self.property_id}:submitUserDeletion"

    def url(self, debug: bool = False) -> str:
        return f"{self.origin}{'/debug' if debug else ''}/mp/collect"

    def params(self) -> dict[str, str]:
        return {"measurement_id": self.measurement_id, "api_secret": self.api_secret}


INFO = PluginInfo(
    display_name="Google Analytics 4", settings_schema=GA4Settings, enabled_by_default=False
)

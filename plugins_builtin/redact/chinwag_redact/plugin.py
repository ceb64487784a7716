"""What chinwag-redact declares, and its settings: what every site redacts, plus per-site
overrides by site id (the answer bot's shape), resolved by :func:`site_policy`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import PluginInfo, StrictSchema
from marshmallow import ValidationError, fields, validate, validates_schema

from chinwag_redact.detect import CHECKSUMS, NationalId, Policy, compile_pattern, phone_regions

#: where masking happens: before storage (everyone has the mask), or only in agents' view
STORAGE, AGENTS = "storage", "agents"
DEFAULT_NOTICE = "Some details in this message were hidden to keep them safe: {what}."
NER_ENTITIES = ("PERSON", "LOCATION", "NRP", "DATE_TIME", "US_SSN", "UK_NHS", "MEDICAL_LICENSE")


class NationalIdSchema(StrictSchema):
    """One identifier a site hides: its name, a regular expression, and the check its digits
    pass (``none`` when the format has no check digit)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    pattern = fields.String(required=True, validate=validate.Length(min=1, max=300))
    checksum = fields.String(load_default="none", validate=validate.OneOf(CHECKSUMS))

    @validates_schema
    def _pattern(self, data: Mapping[str, Any], **_: Any) -> None:
        try:
            compile_pattern(data["pattern"])
        except ValueError as err:
            raise ValidationError(f"{data.get('name', 'identifier')}: {err}", "pattern") from None


def _region(value: str) -> None:
    if value and value not in phone_regions():
        raise ValidationError(f"{value!r} is not a region phonenumbers knows (use e.g. GB, US).")


def _options(defaults: bool) -> dict[str, fields.Field[Any]]:
    """The per-site options, once: with their defaults (top level) or without (an override)."""

    def d(value: Any) -> dict[str, Any]:
        return {"load_default": value} if defaults else {}

    return {
        "cards": fields.Boolean(
            **d(True), metadata={"description": "Hide payment card numbers (Luhn-checked)."}
        ),
        "ibans": fields.Boolean(
            **d(True), metadata={"description": "Hide IBANs (checksum and country length)."}
        ),
        "emails": fields.Boolean(**d(False), metadata={"description": "Hide e-mail addresses."}),
        "phones": fields.Boolean(
            **d(False), metadata={"description": "Hide phone numbers valid for their country."}
        ),
        "phone_region": fields.String(
            validate=_region,
            **d(""),
            metadata={
                "description": "Country of numbers written without +country code, e.g. GB "
                '(empty: only numbers written with "+" are found).'
            },
        ),
        "national_ids": fields.List(
            fields.Nested(NationalIdSchema),
            validate=validate.Length(max=20),
            **d(list),
            metadata={
                "description": 'Identifiers to hide: [{"name": "SSN", "pattern": '
                '"\\\\b\\\\d{3}-\\\\d{2}-\\\\d{4}\\\\b", "checksum": "none"}]; '
                f"checksum: {', '.join(CHECKSUMS)}."
            },
        ),
        "ner_entities": fields.List(
            fields.String(validate=validate.OneOf(NER_ENTITIES)),
            validate=validate.Length(max=len(NER_ENTITIES)),
            **d(list),
            metadata={
                "description": "Named entities to hide with presidio-analyzer when it is "
                f"installed ({', '.join(NER_ENTITIES)}); ignored otherwise."
            },
        ),
        "mode": fields.String(
            validate=validate.OneOf([STORAGE, AGENTS]),
            **d(STORAGE),
            metadata={
                "description": 'Where visitors\' messages are masked: "storage" (before they are '
                'stored: nobody has the original) or "agents" (agents see the mask; the '
                "visitor's own copy, transcript and export keep what they wrote)."
            },
        ),
        "agent_messages": fields.Boolean(
            **d(False),
            metadata={"description": "Also hide what agents and bots send, not only visitors."},
        ),
        "notice": fields.String(
            validate=validate.Length(max=300),
            **d(DEFAULT_NOTICE),
            metadata={
                "description": "Shown under a visitor's message that had something hidden "
                "({what}: what it was); empty: no notice."
            },
        ),
    }


SiteOverride = StrictSchema.from_dict(_options(defaults=False), name="RedactSiteOverride")

RedactSettings = StrictSchema.from_dict(
    {
        **_options(defaults=True),
        "sites": fields.Dict(
            keys=fields.String(validate=validate.Regexp(r"^\d+$")),
            values=fields.Nested(SiteOverride),
            load_default=dict,
            metadata={
                "description": 'Per-site overrides by site id, e.g. {"3": {"phones": true, '
                '"phone_region": "FR"}}.'
            },
        ),
    },
    name="RedactSettings",
)


def merged(settings: Mapping[str, Any], site_id: int | None) -> dict[str, Any]:
    """The settings of one site: the plugin-wide values with the site's override on top."""
    site = (settings.get("sites") or {}).get(str(site_id), {}) if site_id is not None else {}
    return {**settings, **site}


def site_policy(options: Mapping[str, Any]) -> Policy:
    return Policy(
        cards=bool(options.get("cards", True)),
        ibans=bool(options.get("ibans", True)),
        emails=bool(options.get("emails", False)),
        phones=bool(options.get("phones", False)),
        phone_region=options.get("phone_region") or None,
        national_ids=tuple(
            NationalId(i["name"], i["pattern"], i.get("checksum", "none"))
            for i in options.get("national_ids") or ()
        ),
        ner_entities=tuple(options.get("ner_entities") or ()),
    )


INFO = PluginInfo(
    display_name="PII redaction",
    settings_schema=RedactSettings,
    enabled_by_default=False,
)

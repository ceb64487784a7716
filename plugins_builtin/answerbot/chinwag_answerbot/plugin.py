"""What the answer bot declares about itself and its settings: defaults for every site plus
per-site overrides (threshold, when it answers, office hours, holidays, time zone)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from chinwag_plugin_api import PluginInfo, StrictSchema
from marshmallow import ValidationError, fields, validate

from chinwag_answerbot.hours import DAYS, OfficeHours, check_zone, parse_ranges

#: ``new_conversations``: the bot answers every conversation first; ``outside_hours``: only
#: when no person is available (outside office hours, or in them with no agent's inbox open)
MODES = ("new_conversations", "outside_hours")
DEFAULT_THRESHOLD = 0.5
DEFAULT_HOURS = {d: ("09:00-17:00" if d not in ("sat", "sun") else "") for d in DAYS}


def _check_hours(value: Mapping[str, str]) -> None:
    for day, spec in value.items():
        if day not in DAYS:
            raise ValidationError(f"{day!r} is not a day: use {', '.join(DAYS)}.")
        try:
            parse_ranges(spec)
        except ValueError as err:
            raise ValidationError(f"{day}: {err}") from err


def _check_zone(value: str) -> None:
    try:
        check_zone(value)
    except ValueError as err:
        raise ValidationError(str(err)) from err


def _check_holidays(value: list[str]) -> None:
    for d in value:
        try:
            date.fromisoformat(d)
        except ValueError as err:
            raise ValidationError(f"{d!r} is not a date like 2026-12-25.") from err


def _options(defaults: bool) -> dict[str, fields.Field[Any]]:
    """The per-site options, once: with their defaults (top level) or without (an override)."""

    def d(value: Any) -> dict[str, Any]:
        return {"load_default": value} if defaults else {}

    return {
        "enabled": fields.Boolean(
            **d(True), metadata={"description": "Whether the bot answers on this site."}
        ),
        "mode": fields.String(
            validate=validate.OneOf(MODES),
            **d("new_conversations"),
            metadata={
                "description": "new_conversations: answer every conversation first; "
                "outside_hours: only when no person is available (outside office hours)."
            },
        ),
        "threshold": fields.Float(
            validate=validate.Range(min=0, max=1),
            **d(DEFAULT_THRESHOLD),
            metadata={
                "description": "Least search score (0..1) of an article the bot quotes; "
                "below it the bot says it is not sure and offers a person."
            },
        ),
        "timezone": fields.String(
            validate=_check_zone, **d("UTC"), metadata={"description": "e.g. Europe/Paris."}
        ),
        "hours": fields.Dict(
            keys=fields.String(),
            values=fields.String(validate=validate.Length(max=100)),
            validate=_check_hours,
            **d(lambda: dict(DEFAULT_HOURS)),
            metadata={
                "description": 'Office hours per day, e.g. {"mon": "09:00-12:00,13:00-17:00", '
                '"sat": ""} ("" or missing: closed).'
            },
        ),
        "holidays": fields.List(
            fields.String(),
            validate=[_check_holidays, validate.Length(max=366)],
            **d(list),
            metadata={"description": "Closed days, e.g. 2026-12-25."},
        ),
    }


SiteOverride = StrictSchema.from_dict(_options(defaults=False), name="SiteOverride")


#: the form admins edit under Plugins, Answer bot: every option (defaults for every site) plus
#: ``sites``, the per-site overrides by site id
AnswerbotSettings = StrictSchema.from_dict(
    {
        **_options(defaults=True),
        "sites": fields.Dict(
            keys=fields.String(validate=validate.Regexp(r"^\d+$")),
            values=fields.Nested(SiteOverride),
            load_default=dict,
            metadata={
                "description": 'Per-site overrides by site id, e.g. {"3": {"threshold": 0.5, '
                '"mode": "outside_hours", "timezone": "Europe/Paris"}}.'
            },
        ),
    },
    name="AnswerbotSettings",
)


@dataclass(frozen=True)
class SiteConfig:
    """The bot's settings for one site, overrides applied."""

    enabled: bool
    mode: str
    threshold: float
    hours: OfficeHours


def site_config(settings: Mapping[str, Any], site_id: int) -> SiteConfig:
    merged = {**settings, **(settings.get("sites") or {}).get(str(site_id), {})}
    return SiteConfig(
        enabled=bool(merged["enabled"]),
        mode=str(merged["mode"]),
        threshold=float(merged["threshold"]),
        hours=OfficeHours.from_settings(merged["timezone"], merged["hours"], merged["holidays"]),
    )


INFO = PluginInfo(
    display_name="Answer bot",
    settings_schema=AnswerbotSettings,
    enabled_by_default=False,
    migrations="chinwag_answerbot.migrations",
    requires=("chinwag-kb",),
)

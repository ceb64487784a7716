"""What chinwag-feedback declares about itself, and its settings: global defaults plus per-site
overrides (the same shape as the media plugin's), resolved by :func:`site_config`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chinwag_plugin_api import PluginInfo, StrictSchema
from marshmallow import ValidationError, fields, validate, validates

from chinwag_feedback import strings

SCALES = ("stars", "faces", "thumbs", "nps")
WHEN = ("on_close", "after_idle", "never")

#: the score range of each survey scale (inclusive)
SCALE_RANGE: dict[str, tuple[int, int]] = {
    "stars": (1, 5),
    "faces": (1, 5),
    "thumbs": (0, 1),
    "nps": (0, 10),
}

#: the survey's question and comment prompt in every language the widget ships (strings.py)
DEFAULT_QUESTIONS = dict(strings.defaults("question"))
DEFAULT_FOLLOW_UPS = dict(strings.defaults("follow_up"))
#: the reason codes shipped, each labelled in every language of strings.py (``reason_<code>``)
REASON_CODES = ("wrong", "unclear", "incomplete", "other")
DEFAULT_REASONS = {
    lang: {code: table[f"reason_{code}"] for code in REASON_CODES}
    for lang, table in strings.STRINGS.items()
}

_LOCALE = validate.Regexp(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_TEXT = fields.String(validate=validate.Length(min=1, max=300))
_CODE = fields.String(validate=validate.Regexp(r"^[a-z0-9_]{1,32}$"))


_REASONS = fields.Dict(
    keys=_CODE,
    values=fields.String(validate=validate.Length(1, 80)),
    validate=validate.Length(min=1, max=12),
)


class SiteFeedback(StrictSchema):
    """One site's override; a missing field falls back to the global value."""

    enabled = fields.Boolean()
    rate_agent_answers = fields.Boolean()
    scale = fields.String(validate=validate.OneOf(SCALES))
    ask = fields.String(validate=validate.OneOf(WHEN))
    idle_minutes = fields.Integer(validate=validate.Range(min=1, max=1440))
    email_survey = fields.Boolean()
    default_locale = fields.String(validate=_LOCALE)
    questions = fields.Dict(keys=fields.String(validate=_LOCALE), values=_TEXT)
    follow_ups = fields.Dict(keys=fields.String(validate=_LOCALE), values=_TEXT)
    reasons = fields.Dict(keys=fields.String(validate=_LOCALE), values=_REASONS)


class FeedbackSettings(StrictSchema):
    """What admins set in the plugin's settings form (Plugins, Feedback)."""

    rate_agent_answers = fields.Boolean(
        load_default=False,
        metadata={"description": "Offer thumbs under agents' answers too (bots' always)."},
    )
    scale = fields.String(
        load_default="stars",
        validate=validate.OneOf(SCALES),
        metadata={"description": "Survey scale: stars (1-5), faces (1-5), thumbs, nps (0-10)."},
    )
    ask = fields.String(
        load_default="on_close",
        validate=validate.OneOf(WHEN),
        metadata={
            "description": "When the survey is asked: on_close, after_idle (no reply for "
            "idle_minutes) or never."
        },
    )
    idle_minutes = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=1440),
        metadata={"description": "Minutes without a reply before an after_idle survey."},
    )
    email_survey = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Mail the survey to visitors who left before the conversation "
            "closed (needs CHINWAG_SMTP_URL, an address the visitor gave or verified, and "
            "their follow_up_email consent where the site requires consent)."
        },
    )
    email_link_days = fields.Integer(
        load_default=7,
        validate=validate.Range(min=1, max=30),
        metadata={"description": "Days the rating links of a mailed survey stay valid."},
    )
    change_minutes = fields.Integer(
        load_default=15,
        validate=validate.Range(min=0, max=1440),
        metadata={"description": "How long a visitor may change a rating or survey answer."},
    )
    max_comment = fields.Integer(
        load_default=1000,
        validate=validate.Range(min=10, max=4000),
        metadata={"description": "Longest comment accepted, in characters."},
    )
    questions = fields.Dict(
        keys=fields.String(validate=_LOCALE),
        values=_TEXT,
        load_default=lambda: dict(DEFAULT_QUESTIONS),
        metadata={"description": "The survey question per locale."},
    )
    follow_ups = fields.Dict(
        keys=fields.String(validate=_LOCALE),
        values=_TEXT,
        load_default=lambda: dict(DEFAULT_FOLLOW_UPS),
        metadata={"description": "The survey's comment prompt per locale."},
    )
    default_locale = fields.String(
        load_default="en",
        validate=_LOCALE,
        metadata={
            "description": "The site's default language: what a visitor whose language the "
            "site's questions or reasons do not cover reads (else English)."
        },
    )
    reasons = fields.Dict(
        keys=fields.String(validate=_LOCALE),
        values=_REASONS,
        load_default=lambda: {k: dict(v) for k, v in DEFAULT_REASONS.items()},
        metadata={
            "description": "Thumbs-down reasons per locale, the same codes in each: "
            '{"en": {"wrong": "Wrong answer"}, "de": {"wrong": "Falsche Antwort"}}; a '
            "language without a list gets the default language's."
        },
    )
    sites = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^\d+$")),
        values=fields.Nested(SiteFeedback),
        load_default=dict,
        metadata={
            "description": 'Per-site overrides by site id, e.g. {"3": {"scale": "nps", '
            '"ask": "after_idle", "idle_minutes": 10, "rate_agent_answers": true}}.'
        },
    )

    @validates("sites")
    def _sites(self, value: Mapping[str, Any], **_: Any) -> None:
        if len(value) > 10_000:
            raise ValidationError("Too many site overrides.")


@dataclass(frozen=True)
class SiteConfig:
    """The effective feedback settings of one site."""

    enabled: bool
    rate_agent_answers: bool
    scale: str
    ask: str
    idle_minutes: int
    change_minutes: int
    email_survey: bool
    email_link_days: int
    max_comment: int
    default_locale: str
    questions: Mapping[str, str]
    follow_ups: Mapping[str, str]
    reasons: Mapping[str, Mapping[str, str]]

    def speaks(self, locale: str | None) -> str | None:
        """The locale the built-in strings (strings.py) use for this visitor: theirs, or the
        site's default language when the plugin ships none of theirs."""
        lang = (locale or "en").split("-")[0].lower()
        return locale if lang in strings.STRINGS else self.default_locale

    def _pick(self, table: Mapping[str, Any], locale: str | None) -> Any:
        """The locale's entry, else its language's, else the site's default language's, else
        English, else any."""
        lang = (locale or "en").split("-")[0].lower()
        default = self.default_locale
        for key in (locale, lang, default, default.split("-")[0].lower(), "en"):
            if key and key in table:
                return table[key]
        return next(iter(table.values()), None)

    def _localised(self, table: Mapping[str, str], key: str, locale: str | None) -> str:
        """The site's text for the locale; where the site has none in that language and kept
        the default English one, the default in the visitor's language (strings.py)."""
        lang = (locale or "en").split("-")[0].lower()
        english = strings.text("en", key)
        if (
            not any(k and k in table for k in (locale, lang))
            and table.get("en", english) == english
        ):
            return str(strings.text(self.speaks(locale), key))
        return str(self._pick(table, locale) or strings.text(self.speaks(locale), key))

    def question(self, locale: str | None) -> str:
        return self._localised(self.questions, "question", locale)

    def follow_up(self, locale: str | None) -> str:
        return self._localised(self.follow_ups, "follow_up", locale)

    def reason_options(self, locale: str | None) -> Mapping[str, str]:
        """The thumbs-down reasons a visitor reads: the site's list in their locale or language;
        where the site wrote none in it and kept the built-in English list, the built-in list in
        their language; else the list of the site's default language (then English)."""
        lang = (locale or "en").split("-")[0].lower()
        if (
            not any(k and k in self.reasons for k in (locale, lang))
            and self.reasons.get("en", DEFAULT_REASONS["en"]) == DEFAULT_REASONS["en"]
        ):
            return dict(DEFAULT_REASONS[strings.language(self.speaks(locale))])
        found = self._pick(self.reasons, locale)
        return dict(found) if found else dict(DEFAULT_REASONS["en"])

    def all_reason_codes(self) -> set[str]:
        return {code for table in self.reasons.values() for code in table}


def site_config(settings: Mapping[str, Any], site_id: int) -> SiteConfig:
    """One site's effective settings: the global values overridden by the site's entry."""
    site = dict((settings.get("sites") or {}).get(str(site_id)) or {})

    def get(key: str, default: Any) -> Any:
        return site.get(key, settings.get(key, default))

    return SiteConfig(
        enabled=bool(site.get("enabled", True)),
        rate_agent_answers=bool(get("rate_agent_answers", False)),
        scale=str(get("scale", "stars")),
        ask=str(get("ask", "on_close")),
        idle_minutes=int(get("idle_minutes", 30)),
        change_minutes=int(settings.get("change_minutes", 15)),
        email_survey=bool(get("email_survey", False)),
        email_link_days=int(settings.get("email_link_days", 7)),
        max_comment=int(settings.get("max_comment", 1000)),
        default_locale=str(get("default_locale", "en")),
        questions=get("questions", DEFAULT_QUESTIONS),
        follow_ups=get("follow_ups", DEFAULT_FOLLOW_UPS),
        reasons=get("reasons", DEFAULT_REASONS),
    )


INFO = PluginInfo(
    display_name="Feedback",
    settings_schema=FeedbackSettings,
    enabled_by_default=False,
    migrations="chinwag_feedback.migrations",
)

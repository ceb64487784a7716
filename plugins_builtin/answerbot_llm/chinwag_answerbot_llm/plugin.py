"""What the LLM answer bot declares about itself: the endpoint it may call (base URL, model, API
key as a secret), how it calls it (timeout, temperature, answer length), how much of the
knowledge base it grounds on (top-k, retrieval threshold), and on which sites it answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chinwag_plugin_api import PluginInfo, StrictSchema, secret_field
from marshmallow import ValidationError, fields, validate, validates_schema

#: where the API key may come from instead of the database
API_KEY_ENV = "CHINWAG_ANSWERBOT_LLM_API_KEY"
DEFAULT_THRESHOLD = 0.3
#: the model is called from a background job, so it may take longer than a hook's 2 s budget;
#: the job queue's own limit (``CHINWAG_JOBS_TIMEOUT_SECONDS``, 300 s) is far above the maximum
DEFAULT_TIMEOUT = 20.0


def _check_url(value: str) -> None:
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "Give the endpoint's base URL with http:// or https://, e.g. http://127.0.0.1:11434/v1."
        )
    if parts.query or parts.fragment:
        raise ValidationError("The base URL takes no query string or fragment.")


def _site_options(defaults: bool) -> dict[str, fields.Field[Any]]:
    """The options a site may override, once: with defaults (top level) or without."""

    def d(value: Any) -> dict[str, Any]:
        return {"load_default": value} if defaults else {}

    return {
        "enabled": fields.Boolean(
            **d(True),
            metadata={
                "description": "Whether the bot answers (and sends visitors' questions to the "
                "endpoint) on this site."
            },
        ),
        "threshold": fields.Float(
            validate=validate.Range(min=0, max=1),
            **d(DEFAULT_THRESHOLD),
            metadata={
                "description": "Least search score (0..1) of a passage given to the model; "
                "when none reaches it the bot hands off without calling the model."
            },
        ),
    }


SiteOverride = StrictSchema.from_dict(_site_options(defaults=False), name="LlmSiteOverride")
_SITE_DEFAULTS = _site_options(defaults=True)


class LlmAnswerbotSettings(StrictSchema):
    """The form admins edit under Plugins, LLM answer bot."""

    base_url = fields.String(
        load_default="",
        validate=[validate.Length(max=500), _check_url],
        metadata={
            "description": "The OpenAI-compatible API's base URL, up to /v1 (the bot POSTs to "
            "<base URL>/chat/completions), e.g. http://127.0.0.1:11434/v1 for Ollama. Empty: "
            "the bot is off."
        },
    )
    model = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "The model name the endpoint knows, e.g. llama3.2:3b."},
    )
    api_key = secret_field(
        env=API_KEY_ENV,
        load_default="",
        validate=validate.Length(max=500),
        metadata={
            "description": f"Sent as a Bearer token when set (hosted APIs); or {API_KEY_ENV}."
        },
    )
    timeout = fields.Float(
        load_default=DEFAULT_TIMEOUT,
        validate=validate.Range(min=0.2, max=120),
        metadata={
            "description": "Seconds the bot waits for the endpoint before handing off (the "
            "call runs as a background job, so a slow local model has time)."
        },
    )
    temperature = fields.Float(
        load_default=0.0, validate=validate.Range(min=0, max=2), metadata={"description": "0-2."}
    )
    max_tokens = fields.Integer(
        load_default=400,
        validate=validate.Range(min=16, max=4000),
        metadata={"description": "Longest answer the model may write, in tokens."},
    )
    top_k = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1, max=8),
        metadata={"description": "How many knowledge-base passages the model gets."},
    )
    json_mode = fields.Boolean(
        load_default=True,
        metadata={
            "description": 'Ask for response_format {"type": "json_object"} (Ollama, vLLM, '
            "llama.cpp server and OpenAI support it; turn off for an endpoint that refuses it)."
        },
    )
    sites = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^\d+$")),
        values=fields.Nested(SiteOverride),
        load_default=dict,
        metadata={"description": 'Per-site overrides by site id, e.g. {"3": {"enabled": false}}.'},
    )
    enabled = _SITE_DEFAULTS["enabled"]
    threshold = _SITE_DEFAULTS["threshold"]

    @validates_schema
    def _model_with_url(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        if data.get("base_url") and not data.get("model"):
            raise ValidationError("Name the model the endpoint should use.", "model")


@dataclass(frozen=True)
class Endpoint:
    """How to call the chat-completions endpoint (None from :func:`endpoint` when unset)."""

    base_url: str
    model: str
    api_key: str
    timeout: float
    temperature: float
    max_tokens: int
    json_mode: bool

    def __repr__(self) -> str:  # never show the key, e.g. in a traceback's locals
        return f"Endpoint({self.base_url!r}, model={self.model!r}, timeout={self.timeout})"


@dataclass(frozen=True)
class SiteConfig:
    """The bot's settings for one site, overrides applied."""

    enabled: bool
    threshold: float
    top_k: int


def endpoint(settings: Mapping[str, Any]) -> Endpoint | None:
    """The configured endpoint; None when no base URL or model is set (the bot then stays
    silent and sends nothing anywhere)."""
    if not settings.get("base_url") or not settings.get("model"):
        return None
    return Endpoint(
        base_url=str(settings["base_url"]).rstrip("/"),
        model=str(settings["model"]),
        api_key=str(settings.get("api_key") or ""),
        timeout=float(settings["timeout"]),
        temperature=float(settings["temperature"]),
        max_tokens=int(settings["max_tokens"]),
        json_mode=bool(settings["json_mode"]),
    )


def site_config(settings: Mapping[str, Any], site_id: int) -> SiteConfig:
    merged = {**settings, **(settings.get("sites") or {}).get(str(site_id), {})}
    return SiteConfig(
        enabled=bool(merged["enabled"]),
        threshold=float(merged["threshold"]),
        top_k=int(merged["top_k"]),
    )


INFO = PluginInfo(
    display_name="LLM answer bot",
    settings_schema=LlmAnswerbotSettings,
    enabled_by_default=False,
    requires=("chinwag-kb",),
)

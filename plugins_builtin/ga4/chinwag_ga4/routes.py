"""``POST /api/v1/ga4/check`` (admins): "Test connection". The plugin API has no check hook for
``chinwag plugins check`` to call, so the check is this route (and ``chinwag ga4 check``,
chinwag_ga4.cli): it sends events in the exact form the sink sends to GA4's validation server
(``/debug/mp/collect``), which records nothing and answers with its validation messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
from chinwag_plugin_api import (
    AnalyticsEvent,
    PluginError,
    RoutesProvider,
    current_context,
    endpoint,
)
from flask import Blueprint
from marshmallow import Schema, fields

from chinwag_ga4.mapping import payloads
from chinwag_ga4.plugin import Config

TIMEOUT = 10
#: what the check sends: one event of the catalogue with typical properties, and a host-page one
SAMPLES = (
    ("message.sent", {"conversation_id": 1, "author_kind": "visitor", "seq": 1}),
    ("widget.plan.upgraded", {"plan": "pro", "seats": 3, "trial": False}),
)


class ValidationMessage(Schema):
    fieldPath = fields.String()
    description = fields.String()
    validationCode = fields.String()


class CheckResult(Schema):
    ok = fields.Boolean(metadata={"description": "GA4's validation server found nothing wrong"})
    endpoint = fields.String(metadata={"description": "where the check was sent (no secret)"})
    messages = fields.List(fields.Nested(ValidationMessage))


def check(config: Config) -> dict[str, Any]:
    """Validate sample events against GA4's validation server; raises ``PluginError`` when the
    plugin is not configured or the server cannot be reached."""
    if not config.ready:
        raise PluginError(
            "Set the measurement id and the API secret first.", "ga4_not_configured", 409
        )
    now = datetime.now(UTC)
    samples = [AnalyticsEvent(n, 1, None, p, now, "chinwag-check") for n, p in SAMPLES]
    messages: list[dict[str, Any]] = []
    for body in payloads(samples, now):
        try:
            res = requests.post(
                config.url(debug=True), params=config.params(), json=body, timeout=TIMEOUT
            )
            answer = res.json() if res.status_code == 200 else None
        except (requests.RequestException, ValueError):
            answer = None
        if not isinstance(answer, dict):
            raise PluginError(
                "GA4's validation server could not be reached or gave no answer.",
                "ga4_unreachable",
                502,
            )
        messages += [m for m in answer.get("validationMessages") or [] if isinstance(m, dict)]
    return {"ok": not messages, "endpoint": config.url(debug=True), "messages": messages}


class GA4Routes(RoutesProvider):
    url_prefix: ClassVar[str | None] = "/api/v1/ga4"

    def blueprint(self) -> Blueprint:
        bp = Blueprint("chinwag_ga4", __name__)

        @endpoint(bp, "/check", methods=("POST",), response=CheckResult, roles=("admin",))
        def ga4_check() -> dict[str, Any]:
            """Test the connection: send sample events, in the form the sink sends them, to
            GA4's validation server and return its validation messages."""
            return check(Config.of(current_context().settings))

        return bp

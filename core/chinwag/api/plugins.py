"""Plugins as admins see them: list, enable/disable live, configure (a save of settings also
answers the content checks' advice on the proactive messages the plugin now shows)."""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import AnalyticsSink
from flask import Blueprint, g
from marshmallow import Schema, ValidationError, fields

from chinwag.actions import analytics
from chinwag.api.base import endpoint
from chinwag.api.canned import AdviceOut
from chinwag.api.proactive_advice import proactive_advice
from chinwag.errors import ApiError, validation_error
from chinwag.plugins import admin
from chinwag.schemas import PluginOut, PluginPatch
from chinwag.state import state

bp = Blueprint("plugins", __name__, url_prefix="/api/v1/plugins")


class ProactiveAdviceOut(Schema):
    text = fields.String(metadata={"description": "a proactive message or chip visitors read"})
    rule_id = fields.String()
    site_ids = fields.List(fields.Integer(), metadata={"description": "where it shows"})
    advice = fields.List(fields.Nested(AdviceOut))


class PluginPatched(PluginOut):
    proactive_advice = fields.List(
        fields.Nested(ProactiveAdviceOut),
        metadata={"description": "after a settings save: advice on its proactive texts"},
    )


def _with_jobs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each plugin's background jobs (queued, running, failed, ...) to its health: read
    from the job queue's storage, so every process shows the same (docs/jobs.md)."""
    jobs = state().jobs.health([row["name"] for row in rows])
    sinks = analytics.health(
        [row["name"] for row in rows if AnalyticsSink.namespace in row["extension_points"]]
    )
    for row in rows:
        row["health"] = {**row["health"], "jobs": jobs[row["name"]]}
        if row["name"] in sinks:  # events waiting, delivered, dropped, dead letters
            row["health"]["analytics"] = sinks[row["name"]]
    return rows


@endpoint(bp, "", response=PluginOut, many=True)
def list_plugins() -> Any:
    """Every installed plugin with state, health (with its background jobs) and masked settings."""
    return _with_jobs(state().plugins.report())


@endpoint(bp, "/<name>", response=PluginOut, errors=("plugin_not_found",))
def get_plugin(name: str) -> Any:
    """One plugin."""
    rows = state().plugins.report(name)
    if not rows:
        raise ApiError("plugin_not_found", f"No plugin named {name!r}.", 404)
    return _with_jobs(rows)[0]


@endpoint(
    bp,
    "/<name>",
    methods=["PATCH"],
    body=PluginPatch,
    response=PluginPatched,
    errors=(
        "content_advice_recursion",
        "plugin_essential",
        "plugin_not_found",
        "plugin_not_loaded",
        "plugin_requires",
    ),
)
def patch_plugin(name: str, body: dict[str, Any]) -> Any:
    """Enable, disable or configure a plugin; takes effect in every process without restart."""
    host = state().plugins
    if not host.report(name):  # an unknown name with an empty body was an IndexError (500)
        raise ApiError("plugin_not_found", f"No plugin named {name!r}.", 404)
    if "settings" in body:
        try:
            admin.configure(host, name, body["settings"], g.user)
        except ValidationError as err:
            raise validation_error(err) from None
    if "enabled" in body:
        admin.set_enabled(host, name, body["enabled"], g.user)
    # open widgets re-read their features: the real-time layer hears plugin.changed (announce)
    out = dict(host.report(name)[0])
    if "settings" in body:
        out["proactive_advice"] = proactive_advice(name)
    return out

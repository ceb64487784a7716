"""``GET /api/v1/audit``: the audit log, newest first, searchable. Admins only.

Rows are written by :mod:`chinwag.audit` in the same transaction as the change they describe;
a plugin's (``ctx.audit``) name the plugin: ``plugin`` and its ``plugin_display_name``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from chinwag.api.base import endpoint
from chinwag.extensions import db
from chinwag.models import AuditEntry
from chinwag.schemas import MAX_INT, Strict
from chinwag.state import state
from chinwag.timefmt import UtcDateTime

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")


class AuditQuery(Strict):
    q = fields.String(validate=validate.Length(max=200))
    action = fields.String(validate=validate.Length(max=80))
    actor = fields.String(validate=validate.Length(max=320))
    target_type = fields.String(validate=validate.Length(max=40))
    target_id = fields.String(validate=validate.Length(max=200))
    plugin = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Only the entries this plugin (distribution name) wrote."},
    )
    before_id = fields.Integer(validate=validate.Range(min=1, max=MAX_INT))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AuditEntryOut(Schema):
    id = fields.Integer()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.String()
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    details = fields.Dict()
    created_at = UtcDateTime()
    plugin = fields.String(
        allow_none=True,
        metadata={"description": "The plugin that wrote the entry (ctx.audit), null: the core."},
    )
    plugin_display_name = fields.Method(
        "_display_name",
        metadata={"type": "string", "nullable": True, "description": "That plugin's name."},
    )

    def _display_name(self, entry: AuditEntry) -> str | None:
        if not entry.plugin:
            return None
        record = state().plugins.records.get(entry.plugin)
        return record.info.display_name if record else entry.plugin


class AuditPageOut(Schema):
    entries = fields.List(fields.Nested(AuditEntryOut))
    next_before_id = fields.Integer(allow_none=True)


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@endpoint(bp, "", query=AuditQuery, response=AuditPageOut)
def search(query: dict[str, Any]) -> Any:
    """Entries newest first; ``q`` matches actor, action, target and details; page with ``before_id``."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(query["limit"] + 1)
    if query.get("q"):
        # search_text is stored lower-cased: a plain LIKE on one column, no per-row folding
        stmt = stmt.where(AuditEntry.search_text.like(_like(query["q"].lower()), escape="\\"))
    for key in ("action", "target_type", "target_id", "plugin"):
        if query.get(key):
            stmt = stmt.where(getattr(AuditEntry, key) == query[key])
    if query.get("actor"):
        stmt = stmt.where(AuditEntry.actor.ilike(_like(query["actor"]), escape="\\"))
    if query.get("before_id"):
        stmt = stmt.where(AuditEntry.id < query["before_id"])

    rows = list(db.session.execute(stmt).scalars())
    more = len(rows) > query["limit"]
    rows = rows[: query["limit"]]
    return {"entries": rows, "next_before_id": rows[-1].id if more else None}

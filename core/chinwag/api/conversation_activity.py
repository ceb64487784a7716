"""A conversation's activity for the inbox's timeline: what agents did to it, from the audit log.

The audit log already records every agent's conversation action in the action's transaction
(docs/admin.md, *Audit log*); this reads one conversation's entries back for the agents who may
see it (``chinwag.access``: 404 otherwise), with the actor's and the team's names as they are
now. A note's entry is left out (the note itself is in the thread)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from chinwag.api.base import endpoint
from chinwag.api.inbox import AGENT_ROLES, _conversation_or_404
from chinwag.extensions import db
from chinwag.models import AuditEntry, User
from chinwag.teams import Team
from chinwag.timefmt import UtcDateTime

bp = Blueprint("conversation_activity", __name__, url_prefix="/api/v1/inbox")

#: the audited conversation actions the timeline shows
ACTIONS = (
    "conversation.assign",
    "conversation.unassign",
    "conversation.close",
    "conversation.reopen",
    "conversation.snooze",
    "conversation.labels",
    "conversation.team",
)
#: at most this many entries, the newest
LIMIT = 200


class ActivityEntry(Schema):
    id = fields.Integer()
    action = fields.String(metadata={"description": "e.g. ``conversation.team``"})
    actor_name = fields.String(metadata={"description": "The agent's name as it is now."})
    team_name = fields.String(
        allow_none=True, metadata={"description": "conversation.team: the team (null: none)."}
    )
    details = fields.Dict(metadata={"description": "The audit entry's details."})
    created_at = UtcDateTime()


class ActivityOut(Schema):
    activity = fields.List(fields.Nested(ActivityEntry))


@endpoint(
    bp,
    "/conversations/<int:conversation_id>/activity",
    response=ActivityOut,
    roles=AGENT_ROLES,
    errors=("not_found",),
)
def conversation_activity(conversation_id: int) -> Any:
    """What agents did to the conversation (assigned, closed, moved to a team...), oldest first."""
    conv = _conversation_or_404(conversation_id)
    rows = (
        db.session.execute(
            select(AuditEntry)
            .where(
                AuditEntry.target_type == "conversation",
                AuditEntry.target_id == str(conv.id),
                AuditEntry.action.in_(ACTIONS),
            )
            .order_by(AuditEntry.id.desc())
            .limit(LIMIT)
        )
        .scalars()
        .all()
    )
    users = {u.id: u for u in _by_id(User, {r.actor_id for r in rows})}
    teams = {t.id: t for t in _by_id(Team, {r.details.get("team_id") for r in rows})}
    out = []
    for row in reversed(rows):
        user = users.get(row.actor_id) if row.actor_id is not None else None
        entry: dict[str, Any] = {
            "id": row.id,
            "action": row.action,
            "actor_name": (user.name or user.email) if user else row.actor,
            "team_name": None,
            "details": row.details,
            "created_at": row.created_at,
        }
        if row.action == "conversation.team" and row.details.get("team_id") is not None:
            team = teams.get(row.details["team_id"])
            entry["team_name"] = team.name if team else "a deleted team"
        out.append(entry)
    return {"activity": out}


def _by_id(model: Any, ids: set[Any]) -> list[Any]:
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return []
    return list(db.session.execute(select(model).where(model.id.in_(ids))).scalars())

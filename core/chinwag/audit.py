"""The audit log: one row per administrative change, written in the change's own transaction."""

from __future__ import annotations

import json
from typing import Any

from chinwag.extensions import db
from chinwag.models import AuditEntry, User


def record(
    actor: User | None, action: str, target_type: str, target_id: object, **details: Any
) -> None:
    """Add an audit row to the current session (committed with the change it describes)."""
    name = actor.email if actor else "cli"
    db.session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            actor=name,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            details=details,
            search_text=search_text(name, action, target_type, str(target_id), details),
        )
    )


def search_text(
    actor: str, action: str, target_type: str, target_id: str, details: dict[str, Any]
) -> str:
    """The lower-case text the audit search matches (also used by the migration's backfill)."""
    text = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
    return "\n".join((actor, action, target_type, target_id, text)).lower()

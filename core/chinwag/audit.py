"""The audit log: one row per administrative change, written in the change's own transaction."""

from __future__ import annotations

from typing import Any

from chinwag.extensions import db
from chinwag.models import AuditEntry, User


def record(
    actor: User | None, action: str, target_type: str, target_id: object, **details: Any
) -> None:
    """Add an audit row to the current session (committed with the change it describes)."""
    db.session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            actor=actor.email if actor else "cli",
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            details=details,
        )
    )

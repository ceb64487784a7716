"""The audit log: one row per administrative change, written in the change's own transaction.

Besides the admin's changes (sites, users, teams, plugins, settings) it keeps what agents do to
conversations (``conversation.assign``, ``.unassign``, ``.close``, ``.reopen``, ``.snooze``,
``.labels``, ``.team``, ``.note`` — a note's text is never copied) and every sign-in attempt
(``auth.sign_in`` / ``auth.sign_in_failed``, by password or OpenID Connect, with the client's
address; never a password).
"""

from __future__ import annotations

import json
from typing import Any

from chinwag.extensions import db
from chinwag.models import AuditEntry, User


def _add(
    actor_id: int | None,
    name: str,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any],
) -> None:
    db.session.add(
        AuditEntry(
            actor_id=actor_id,
            actor=name,
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=details,
            search_text=search_text(name, action, target_type, target_id, details),
        )
    )


def record(
    actor: User | None, action: str, target_type: str, target_id: object, **details: Any
) -> None:
    """Add an audit row to the current session (committed with the change it describes)."""
    name = actor.email if actor else "cli"
    _add(actor.id if actor else None, name, action, target_type, str(target_id), details)


def record_agent(
    kind: str, actor_id: object, action: str, target_type: str, target_id: object, **details: Any
) -> None:
    """Audit a change made by an agent (``kind == "agent"``, ``actor_id`` their user id), as
    :func:`record`; changes by visitors and bots are the conversation's own history, not audited."""
    if kind != "agent":
        return
    record(db.session.get(User, int(str(actor_id))), action, target_type, target_id, **details)


def sign_in(
    user: User | None, email: str, method: str, address: str | None, code: str | None = None
) -> None:
    """Audit a sign-in attempt (``method``: ``password`` or ``oidc``) with the client's address,
    and commit it: a refused attempt (``code``, the stable error) changes nothing else."""
    details: dict[str, Any] = {"method": method, "address": address}
    if code:
        details["code"] = code
    action = "auth.sign_in_failed" if code else "auth.sign_in"
    target = str(user.id) if user else email[:200]
    _add(user.id if user else None, email[:320] or "unknown", action, "user", target, details)
    db.session.commit()


def search_text(
    actor: str, action: str, target_type: str, target_id: str, details: dict[str, Any]
) -> str:
    """The lower-case text the audit search matches (also used by the migration's backfill)."""
    text = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
    return "\n".join((actor, action, target_type, target_id, text)).lower()

"""The audit log: one row per administrative change, written in the change's own transaction.

Besides the admin's changes (sites, users, teams, plugins, settings) it keeps what agents do to
conversations (``conversation.assign``, ``.unassign``, ``.close``, ``.reopen``, ``.snooze``,
``.labels``, ``.team``, ``.note`` — a note's text is never copied) and every sign-in attempt
(``auth.sign_in`` / ``auth.sign_in_failed``, by password or OpenID Connect, with the client's
address; never a password).

Plugins write entries of their own with ``ctx.audit`` (plugin API 1.7, :func:`record_plugin`):
the action is namespaced ``<plugin>.<action>``, the entry names the plugin (``plugin``), and
details are size-limited and redacted of secrets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
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
    plugin: str | None = None,
) -> None:
    db.session.add(
        AuditEntry(
            actor_id=actor_id,
            actor=name,
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=details,
            plugin=plugin,
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


#: the mask a redacted detail is stored as (the one plugin settings are shown with)
MASK = "********"
_ACTION = re.compile(r"^[a-z][a-z0-9_.]{0,47}$")
_TARGET_TYPE = re.compile(r"^[a-z0-9_]{1,40}$")
_KEY = re.compile(r"^[A-Za-z0-9_]{1,64}$")
#: detail keys whose values are never stored (a plugin's audit details)
SECRET_KEY = re.compile(
    r"passw(or)?d|passphrase|secret|token|api_?key|private_?key|authoriz|credential|cookie", re.I
)
#: the first word of the core's own actions: a plugin whose distribution name is one of them
#: could write entries that read as the core's, so it may not audit
CORE_PREFIXES = frozenset(
    {"auth", "canned", "conversation", "plugin", "privacy", "retention", "site", "team"}
    | {"user", "visitor", "consent", "profile", "saved_view", "cli"}
)
MAX_DETAIL_KEYS = 20
MAX_DETAILS_CHARS = 2000


def _redacted(value: Any, secrets: Collection[str]) -> Any:
    """``value`` with secret-named keys and the plugin's secret values masked, at any depth."""
    if isinstance(value, Mapping):
        return {
            str(k): MASK if SECRET_KEY.search(str(k)) else _redacted(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redacted(v, secrets) for v in value]
    if isinstance(value, str) and value in secrets:
        return MASK
    return value


def plugin_details(details: Mapping[str, Any] | None, secrets: Collection[str]) -> dict[str, Any]:
    """A plugin's audit details, checked (keys, size, JSON types) and redacted; ValueError."""
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise ValueError("details must be a mapping")
    if len(details) > MAX_DETAIL_KEYS:
        raise ValueError(f"details may have at most {MAX_DETAIL_KEYS} keys")
    bad = [k for k in details if not isinstance(k, str) or not _KEY.match(k)]
    if bad:
        raise ValueError(f"detail keys must be 1-64 of [A-Za-z0-9_]: {bad[0]!r}")
    clean = _redacted(details, {s for s in secrets if s})
    try:
        text = json.dumps(clean, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"details must be JSON (strings, numbers, booleans, lists): {exc}"
        ) from None
    if len(text) > MAX_DETAILS_CHARS:
        raise ValueError(f"details may take at most {MAX_DETAILS_CHARS} characters as JSON")
    result: dict[str, Any] = json.loads(text)  # tuples become lists, as stored
    return result


def record_plugin(
    plugin: str,
    action: str,
    target_type: str,
    target_id: object,
    details: Mapping[str, Any] | None,
    *,
    secrets: Collection[str] = (),
    by: User | None = None,
) -> None:
    """Add a plugin's audit entry to the current session (``ctx.audit``): the action stored as
    ``<plugin>.<action>``, the entry naming the plugin, the actor ``by`` (an agent on whose
    behalf the plugin acts) or the plugin itself. Raises ``ValueError`` for a bad value."""
    if not isinstance(action, str) or not _ACTION.match(action) or ".." in action + ".":
        raise ValueError("action must be 1-48 of [a-z0-9_.], starting with a letter")
    if not isinstance(target_type, str) or not _TARGET_TYPE.match(target_type):
        raise ValueError("target_type must be 1-40 of [a-z0-9_]")
    target = str(target_id)
    if not 1 <= len(target) <= 200:
        raise ValueError("target_id must be 1-200 characters")
    if plugin in CORE_PREFIXES:
        raise ValueError(
            f"a plugin named {plugin!r} may not audit: its actions would read as the core's"
        )
    full = f"{plugin}.{action}"
    if len(full) > 80:
        raise ValueError(f"{full!r} is longer than 80 characters")
    clean = plugin_details(details, secrets)
    name = by.email if by else plugin
    _add(by.id if by else None, name, full, target_type, target, clean, plugin=plugin)

"""Which agents have an open inbox, across server processes (``ctx.agents_online``).

Each process knows its own ``/agent`` sockets (``state().sockets``). ``chinwag run``'s background
loop publishes the user ids behind them every couple of seconds to the job queue's storage
(``chinwag:agents-online:<process>``, shared by every process like the job counters); a lookup
joins this process's live sockets with the other processes' fresh entries. An entry older than
``FRESH_FOR`` (a process that died) is ignored and later removed.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from chinwag_plugin_api import AgentRef
from flask import Flask
from sqlalchemy import select

from chinwag import profiles
from chinwag.access import compute_scope
from chinwag.extensions import db
from chinwag.models import Site, User
from chinwag.state import state

log = logging.getLogger(__name__)

ONLINE = "chinwag:agents-online:"
#: a process that has not published for this long is taken for gone
FRESH_FOR = 10.0


def _local_users(app: Any = None, kind: str = "agent") -> set[int]:
    return {s.actor_id for s in list(state(app).sockets.values()) if s.kind == kind}


def publish(app: Flask) -> None:
    """Store this process's connected agents (the background loop calls it every 2 s)."""
    st = state(app)
    huey = st.jobs.huey
    now = time.time()
    entry: dict[str, Any] = {
        "at": now,
        "users": sorted(_local_users(app)),
        "visitors": sorted(_local_users(app, "visitor")),
    }
    huey.put(ONLINE + st.plugins.process, entry)
    for key, entry in _entries(huey):
        if now - entry["at"] > FRESH_FOR * 30:
            huey.storage.delete_data(key)


def _entries(huey: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for key, raw in huey.storage.result_items().items():
        key = key.decode() if isinstance(key, bytes) else str(key)
        if not key.startswith(ONLINE):
            continue
        try:
            entry = huey.serializer.deserialize(raw)
        except Exception:  # unsigned or foreign data in the queue's storage is never trusted
            log.warning("ignoring an unreadable presence entry %s", key)
            continue
        if isinstance(entry, dict) and isinstance(entry.get("at"), float):
            out.append((key, entry))
    return out


def online_users(kind: str = "agent") -> set[int]:
    """User ids with a connected ``/agent`` socket in this or another running process (with
    ``kind="visitor"``: visitor ids with a connected widget socket)."""
    st = state()
    users = _local_users(None, kind)
    field = "users" if kind == "agent" else "visitors"
    mine = ONLINE + st.plugins.process
    now = time.time()
    try:
        for key, entry in _entries(st.jobs.huey):
            if key != mine and now - entry["at"] <= FRESH_FOR:
                users.update(int(u) for u in entry.get(field, []))
    except Exception as exc:  # a Redis outage: this process's sockets only
        log.warning("presence of other processes unavailable: %r", exc)
    return users


def agents_online(site_id: int) -> list[AgentRef]:
    """The online agents who may see ``site_id`` (chinwag.access), by name, no e-mail."""
    ids = online_users()
    if not ids or db.session.get(Site, site_id) is None:
        return []
    users = db.session.execute(
        select(User).where(User.id.in_(ids), User.disabled.is_(False))
    ).scalars()
    out = []
    for user in users:
        scope = compute_scope(user)
        if scope is None or site_id in scope:
            out.append(AgentRef(user.id, profiles.public_name(user) or f"Agent {user.id}"))
    return sorted(out, key=lambda a: (a.name.casefold(), a.id))

"""Who may see which conversation: the one authorisation rule (issue 15, teams and scoping).

An admin sees every site. An agent sees the sites they belong to directly or through a team
(:mod:`chinwag.teams`). An agent on no team and no site sees every site while
``CHINWAG_UNSCOPED_AGENTS`` is ``all`` (the default: how every install worked before teams) and
nothing when it is ``none``. Visitors see their own conversations; bots (plugins) see all.

Everything that names a conversation asks here: REST (via :func:`chinwag.actions.conversation_for`
and :func:`visible`), the ``/agent`` events, the inbox log and the socket fan-out, whose per-site
rooms each agent socket joins from :func:`scope_of` (re-joined by :func:`changed` in every
process when memberships change). A conversation outside the scope answers 404 ``not_found``,
exactly as one that does not exist: its existence is not revealed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import ColumnElement, exists, literal, or_, select, union

from chinwag import events as ev
from chinwag.extensions import db
from chinwag.models import Conversation, User
from chinwag.rooms import scope_rooms, site_rooms
from chinwag.state import OWNER_CACHE_LIMIT, state
from chinwag.teams import AgentSite, TeamMember, TeamSite

log = logging.getLogger(__name__)

#: a scope: the site ids one may see, or None for every site
Scope = frozenset[int] | None

#: the pub/sub ``method`` telling other processes that these agents' memberships changed
METHOD = "chinwag.access"
_G_KEY = "chinwag_scopes"


def _unscoped_see_all() -> bool:
    return str(current_app.config.get("CHINWAG_UNSCOPED_AGENTS", "all")).lower() != "none"


def compute_scope(user: User) -> Scope:
    """What ``user`` may see, from the database (two small indexed queries)."""
    if user.role == "admin":
        return None
    direct = select(AgentSite.site_id).where(AgentSite.user_id == user.id)
    via_team = (
        select(TeamSite.site_id)
        .join(TeamMember, TeamMember.team_id == TeamSite.team_id)
        .where(TeamMember.user_id == user.id)
    )
    sites = frozenset(db.session.execute(union(direct, via_team)).scalars())
    if sites or not _unscoped_see_all():
        return sites
    member = db.session.execute(
        select(
            or_(
                exists().where(TeamMember.user_id == user.id),
                exists().where(AgentSite.user_id == user.id),
            )
        )
    ).scalar()
    return sites if member else None


def scope_of(user_id: int) -> Scope:
    """The scope of an agent, once per request or socket event (a socket's comes from its
    session, kept current on connect, on membership changes and on each re-check)."""
    socket = g.get("chinwag_socket")
    if socket is not None:
        session = state().sockets.get(socket[0])
        if session is not None and session.kind == "agent" and session.actor_id == user_id:
            return session.sites  # type: ignore[no-any-return]
    cache: dict[int, Scope] = g.setdefault(_G_KEY, {})
    if user_id not in cache:
        user = db.session.get(User, user_id)
        cache[user_id] = frozenset() if user is None or user.disabled else compute_scope(user)
    return cache[user_id]


def may_see(actor: Any, site_id: int, visitor_id: int | None = None) -> bool:
    """Whether ``actor`` (:class:`chinwag.actions.Actor`) may see a conversation of that site
    (and, for a visitor, that visitor)."""
    if actor.kind == "visitor":
        return visitor_id is not None and visitor_id == actor.id
    if actor.kind != "agent":
        return True  # bots and the system act for the whole deployment
    scope = scope_of(int(actor.id))
    return scope is None or site_id in scope


def visible(user_id: int, column: Any = Conversation.site_id) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows (conversations by default) of sites the agent may see."""
    scope = scope_of(user_id)
    if scope is None:
        return literal(True)
    return column.in_(sorted(scope)) if scope else literal(False)


def owner(conversation_id: int) -> tuple[int, int] | None:
    """conversation id -> (visitor id, site id): facts that never change, cached per app."""
    cache = state().owners
    hit = cache.get(conversation_id)
    if hit is None:
        row = db.session.execute(
            select(Conversation.visitor_id, Conversation.site_id).where(
                Conversation.id == conversation_id
            )
        ).first()
        if row is None:
            return None
        if len(cache) > OWNER_CACHE_LIMIT:
            cache.clear()
        hit = cache[conversation_id] = (row[0], row[1])
    return hit


def conversation_rooms(conversation_id: int) -> list[str]:
    """The agent rooms of one conversation (none if it is gone)."""
    found = owner(conversation_id)
    return [] if found is None else site_rooms(found[1])


# -- keeping sockets in the right rooms ------------------------------------------------------


def join(socket_id: str, scope: Scope, app: Flask | None = None) -> None:
    """Put an agent socket of this process into exactly the rooms of ``scope``."""
    server = state(app).server().server
    wanted = scope_rooms(scope)
    current = {r for r in server.rooms(socket_id, namespace=ev.AGENT) if r.startswith("agents")}
    for room in current - wanted:
        server.leave_room(socket_id, room, namespace=ev.AGENT)
    for room in wanted - current:
        server.enter_room(socket_id, room, namespace=ev.AGENT)


def refresh(app: Flask, user_ids: Iterable[int]) -> int:
    """Re-read these agents' scopes and move this process's sockets of theirs; how many moved."""
    ids = {int(i) for i in user_ids}
    sockets = [
        (sid, s)
        for sid, s in list(state(app).sockets.items())
        if s.kind == "agent" and s.actor_id in ids
    ]
    if not sockets:
        return 0
    scopes: dict[int, Scope] = {}
    for user_id in {s.actor_id for _sid, s in sockets}:
        user = db.session.get(User, user_id)
        scopes[user_id] = frozenset() if user is None else compute_scope(user)
    for socket_id, session in sockets:
        session.sites = scopes[session.actor_id]
        join(socket_id, session.sites, app)
    return len(sockets)


def changed(user_ids: Iterable[int]) -> None:
    """These agents' teams or sites changed (after the commit): their sockets move rooms here
    at once and in every other process through the Redis channel, as revocation does."""
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    g.pop(_G_KEY, None)
    if state(app).socketio is None:
        return
    refresh(app, ids)
    publish = getattr(state(app).server().server.manager, "publish_control", None)
    if publish is not None:
        publish({"method": METHOD, "ids": ids})


def apply(app: Flask, body: dict[str, Any]) -> int:
    """Another process said these agents' memberships changed (runs in the pub/sub listener)."""
    with app.app_context():
        try:
            return refresh(app, body.get("ids") or ())
        finally:
            db.session.remove()

"""Who may see which conversation: the one authorisation rule (issue 15, teams and scoping).

An admin sees every site. An agent sees the sites they belong to directly or through a team
(:mod:`chinwag.teams`). An agent on no team and no site sees every site while
``CHINWAG_UNSCOPED_AGENTS`` is ``all`` and nothing when it is ``none``; ``auto`` (the default)
follows what the migration decided: ``none`` on a fresh install, ``all`` on an upgrade whose
agents relied on seeing everything (:func:`unscoped_default`, docs/admin.md). Visitors see their own conversations; bots (plugins) see all.

Everything that names a conversation asks here: REST (via :func:`chinwag.actions.conversation_for`
and :func:`visible`), the ``/agent`` events, the inbox log and the socket fan-out, whose per-site
rooms each agent socket joins from :func:`compute_scope` (re-joined by
:func:`chinwag.rooms.memberships_changed` in every process when memberships change). A conversation outside the scope answers 404 ``not_found``,
exactly as one that does not exist: its existence is not revealed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from sqlalchemy import ColumnElement, exists, literal, or_, select, union

from chinwag.extensions import db
from chinwag.models import Conversation, User
from chinwag.state import OWNER_CACHE_LIMIT, state
from chinwag.teams import AccessDefault, AgentSite, TeamMember, TeamSite

#: a scope: the site ids one may see, or None for every site
Scope = frozenset[int] | None

_G_KEY = "chinwag_scopes"
_DEFAULT_KEY = "chinwag_unscoped_default"


def unscoped_default() -> str:
    """``all`` or ``none``: what the migration 0020 decided for this database (a fresh install:
    ``none``; an upgrade that had agents on no team and no site: ``all``). Read once per app:
    only a migration writes it. No row (a database not migrated that far): ``none``."""
    cached: str | None = current_app.extensions.get(_DEFAULT_KEY)
    if cached is None:
        row = db.session.get(AccessDefault, "unscoped_agents")
        cached = "all" if row is not None and row.value == "all" else "none"
        current_app.extensions[_DEFAULT_KEY] = cached
    return cached


def unscoped_see_all() -> bool:
    """Whether an agent on no team and no site sees every site (``CHINWAG_UNSCOPED_AGENTS``:
    ``all``, ``none``, or ``auto``, the default: :func:`unscoped_default`)."""
    chosen = str(current_app.config.get("CHINWAG_UNSCOPED_AGENTS") or "auto").lower()
    if chosen not in ("all", "none"):
        chosen = unscoped_default()
    return chosen == "all"


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
    if sites or not unscoped_see_all():
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


def forget() -> None:
    """Drop this request's cached scopes (after a membership change it made)."""
    g.pop(_G_KEY, None)

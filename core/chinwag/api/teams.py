"""Teams and who sees which site: teams (name, sites, members), an agent's direct sites, and a
conversation's team. Admins manage them; agents read their own. Every change is audited and
moves the affected agents' open sockets to their new rooms at once
(:func:`chinwag.rooms.memberships_changed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, g
from marshmallow import Schema, fields, validate
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from chinwag import access, audit, rooms
from chinwag import events as ev
from chinwag.actions import Actor, conversation_dict, conversation_for, now
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site, User
from chinwag.rooms import emit, site_rooms
from chinwag.schemas import MAX_INT, Strict
from chinwag.teams import AgentSite, Team, TeamMember, TeamSite
from chinwag.timefmt import UtcDateTime

bp = Blueprint("teams", __name__, url_prefix="/api/v1")

AGENT_ROLES = ("admin", "agent")
NAME = validate.Length(min=1, max=100)


def _ids(**kwargs: Any) -> fields.List[Any]:
    return fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_INT)),
        validate=validate.Length(max=1000),
        **kwargs,
    )


class TeamIn(Strict):
    name = fields.String(required=True, validate=NAME)
    site_ids = _ids(load_default=list, metadata={"description": "Sites the members see."})
    user_ids = _ids(load_default=list, metadata={"description": "The team's agents."})


class TeamPatch(Strict):
    name = fields.String(validate=NAME)
    site_ids = _ids()
    user_ids = _ids()


class TeamOut(Schema):
    id = fields.Integer()
    name = fields.String()
    site_ids = fields.List(fields.Integer())
    user_ids = fields.List(fields.Integer())
    created_at = UtcDateTime()


class SiteIdsIn(Strict):
    site_ids = _ids(required=True)


class UserIdsIn(Strict):
    user_ids = _ids(required=True)


class TeamIdsIn(Strict):
    team_ids = _ids(required=True, metadata={"description": "Every team the user is on."})


class AccessOut(Schema):
    """Which conversations a user sees, and why."""

    user_id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    all_sites = fields.Boolean(
        metadata={
            "description": "An admin, or an agent on no team and no site while "
            "CHINWAG_UNSCOPED_AGENTS=all."
        }
    )
    visible_site_ids = fields.List(
        fields.Integer(), metadata={"description": "Every site seen (empty when all_sites)."}
    )
    site_ids = fields.List(fields.Integer(), metadata={"description": "Direct memberships."})
    team_ids = fields.List(fields.Integer())


class ConversationTeamIn(Strict):
    team_id = fields.Integer(
        required=True, allow_none=True, validate=validate.Range(min=1, max=MAX_INT)
    )


class ConversationTeamOut(Schema):
    id = fields.Integer()
    team_id = fields.Integer(allow_none=True)


# -- helpers -----------------------------------------------------------------------------------


def _team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        raise ApiError("not_found", "No such team.", 404)
    return team


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError("not_found", "No such user.", 404)
    return user


def _known(model: Any, ids: Iterable[int], code: str, what: str) -> list[int]:
    """The ids, sorted and deduplicated, all existing (else 409 with ``code``: the body names
    something that is not there, which the request's shape could not say)."""
    wanted = sorted(set(ids))
    found = set(db.session.execute(select(model.id).where(model.id.in_(wanted))).scalars())
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ApiError(code, f"No such {what}: {', '.join(map(str, missing))}.", 409)
    return wanted


def _members(team_id: int) -> list[int]:
    rows = select(TeamMember.user_id).where(TeamMember.team_id == team_id)
    return sorted(db.session.execute(rows).scalars())


def _team_out(team: Team) -> dict[str, Any]:
    sites = select(TeamSite.site_id).where(TeamSite.team_id == team.id)
    return {
        "id": team.id,
        "name": team.name,
        "site_ids": sorted(db.session.execute(sites).scalars()),
        "user_ids": _members(team.id),
        "created_at": team.created_at,
    }


def _set_sites(team_id: int, site_ids: list[int]) -> None:
    db.session.execute(delete(TeamSite).where(TeamSite.team_id == team_id))
    db.session.add_all(TeamSite(team_id=team_id, site_id=s) for s in site_ids)


def _set_members(team_id: int, user_ids: list[int]) -> None:
    db.session.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
    db.session.add_all(TeamMember(team_id=team_id, user_id=u) for u in user_ids)


def _name_taken(name: str) -> ApiError:
    db.session.rollback()
    return ApiError("team_exists", f"A team named {name!r} exists already.", 409)


def _flush_name(team: Team) -> None:
    """Write the team's (new) name now: a name taken is a 409 before anything else is looked
    up (a later query would flush it and fail as a server error)."""
    name = team.name
    try:
        db.session.flush()
    except IntegrityError:
        raise _name_taken(name) from None


def _commit_name(team: Team) -> None:
    name = team.name
    try:
        db.session.commit()
    except IntegrityError:
        raise _name_taken(name) from None


def _save(team: Team, body: dict[str, Any], action: str, before: list[int]) -> dict[str, Any]:
    """Apply ``site_ids``/``user_ids`` of ``body``, audit, commit, and move the sockets of
    everyone whose scope may have changed (members before and after)."""
    details: dict[str, Any] = {"name": team.name}
    if "site_ids" in body:
        details["site_ids"] = _known(Site, body["site_ids"], "unknown_site", "site")
    if "user_ids" in body:
        details["user_ids"] = _known(User, body["user_ids"], "unknown_user", "user")
    if "site_ids" in details:
        _set_sites(team.id, details["site_ids"])
    if "user_ids" in details:
        _set_members(team.id, details["user_ids"])
    audit.record(g.user, action, "team", team.id, **details)
    _commit_name(team)
    rooms.memberships_changed([*before, *_members(team.id)])
    return _team_out(team)


# -- teams -------------------------------------------------------------------------------------


@endpoint(bp, "/teams", response=TeamOut, many=True, roles=AGENT_ROLES)
def list_teams() -> Any:
    """Every team (an agent: their own teams), by name."""
    stmt = select(Team).order_by(Team.name)
    if g.user.role != "admin":
        mine = select(TeamMember.team_id).where(TeamMember.user_id == g.user.id)
        stmt = stmt.where(Team.id.in_(mine))
    return [_team_out(t) for t in db.session.execute(stmt).scalars()]


@endpoint(
    bp,
    "/teams",
    methods=["POST"],
    body=TeamIn,
    response=TeamOut,
    status=201,
    errors=("team_exists", "unknown_site", "unknown_user"),
)
def create_team(body: dict[str, Any]) -> Any:
    """Create a team with its sites and members."""
    team = Team(name=body["name"].strip())
    if not team.name:
        raise ApiError("validation_error", "A team needs a name.", 400)
    db.session.add(team)
    _flush_name(team)
    return _save(team, body, "team.create", []), 201


@endpoint(bp, "/teams/<int:team_id>", response=TeamOut, errors=("not_found",))
def get_team(team_id: int) -> Any:
    """One team."""
    return _team_out(_team(team_id))


@endpoint(
    bp,
    "/teams/<int:team_id>",
    methods=["PATCH"],
    body=TeamPatch,
    response=TeamOut,
    errors=("not_found", "team_exists", "unknown_site", "unknown_user"),
)
def patch_team(team_id: int, body: dict[str, Any]) -> Any:
    """Rename a team or replace its sites or members."""
    team = _team(team_id)
    before = _members(team.id)
    if "name" in body:
        team.name = body["name"].strip()
        if not team.name:
            raise ApiError("validation_error", "A team needs a name.", 400)
        _flush_name(team)
    return _save(team, body, "team.update", before)


@endpoint(
    bp,
    "/teams/<int:team_id>/sites",
    methods=["PUT"],
    body=SiteIdsIn,
    response=TeamOut,
    errors=("not_found", "team_exists", "unknown_site"),
)
def put_team_sites(team_id: int, body: dict[str, Any]) -> Any:
    """Replace the sites a team's members see."""
    team = _team(team_id)
    return _save(team, body, "team.sites", _members(team.id))


@endpoint(
    bp,
    "/teams/<int:team_id>/members",
    methods=["PUT"],
    body=UserIdsIn,
    response=TeamOut,
    errors=("not_found", "team_exists", "unknown_user"),
)
def put_team_members(team_id: int, body: dict[str, Any]) -> Any:
    """Replace a team's members."""
    team = _team(team_id)
    return _save(team, body, "team.members", _members(team.id))


@endpoint(bp, "/teams/<int:team_id>", methods=["DELETE"], status=204, errors=("not_found",))
def delete_team(team_id: int) -> Any:
    """Delete a team: its members keep their other teams and sites; its conversations keep
    their site and lose the team; its canned responses are deleted with it."""
    team = _team(team_id)
    before = _members(team.id)
    audit.record(g.user, "team.delete", "team", team.id, name=team.name)
    db.session.delete(team)
    db.session.commit()
    rooms.memberships_changed(before)
    return None, 204


# -- users' access -----------------------------------------------------------------------------


def _access_out(user: User) -> dict[str, Any]:
    scope = access.compute_scope(user)
    direct = select(AgentSite.site_id).where(AgentSite.user_id == user.id)
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    return {
        "user_id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "all_sites": scope is None,
        "visible_site_ids": [] if scope is None else sorted(scope),
        "site_ids": sorted(db.session.execute(direct).scalars()),
        "team_ids": sorted(db.session.execute(teams).scalars()),
    }


@endpoint(bp, "/access", response=AccessOut, many=True)
def every_access() -> Any:
    """Which sites each active user sees, directly and through teams (the admin's overview)."""
    users = select(User).where(User.disabled.is_(False)).order_by(User.email)
    return [_access_out(u) for u in db.session.execute(users).scalars()]


@endpoint(
    bp, "/users/<int:user_id>/access", response=AccessOut, roles=AGENT_ROLES, errors=("not_found",)
)
def user_access(user_id: int) -> Any:
    """Which sites a user sees, directly and through teams (an agent: only their own)."""
    if g.user.role != "admin" and user_id != g.user.id:
        raise ApiError("not_found", "No such user.", 404)
    return _access_out(_user(user_id))


@endpoint(
    bp,
    "/users/<int:user_id>/sites",
    methods=["PUT"],
    body=SiteIdsIn,
    response=AccessOut,
    errors=("not_found", "unknown_site"),
)
def put_user_sites(user_id: int, body: dict[str, Any]) -> Any:
    """Replace the sites an agent belongs to directly (besides their teams')."""
    user = _user(user_id)
    site_ids = _known(Site, body["site_ids"], "unknown_site", "site")
    db.session.execute(delete(AgentSite).where(AgentSite.user_id == user.id))
    db.session.add_all(AgentSite(user_id=user.id, site_id=s) for s in site_ids)
    audit.record(g.user, "user.sites", "user", user.id, email=user.email, site_ids=site_ids)
    db.session.commit()
    rooms.memberships_changed([user.id])
    return _access_out(user)


@endpoint(
    bp,
    "/users/<int:user_id>/teams",
    methods=["PUT"],
    body=TeamIdsIn,
    response=AccessOut,
    errors=("not_found", "unknown_team"),
)
def put_user_teams(user_id: int, body: dict[str, Any]) -> Any:
    """Replace the teams a user is on, at once (the Users page's one request for any number of
    teams): one audit entry, one move of the user's open sockets."""
    user = _user(user_id)
    team_ids = _known(Team, body["team_ids"], "unknown_team", "team")
    db.session.execute(delete(TeamMember).where(TeamMember.user_id == user.id))
    db.session.add_all(TeamMember(team_id=t, user_id=user.id) for t in team_ids)
    audit.record(g.user, "user.teams", "user", user.id, email=user.email, team_ids=team_ids)
    db.session.commit()
    rooms.memberships_changed([user.id])
    return _access_out(user)


# -- a conversation's team ---------------------------------------------------------------------


@endpoint(
    bp,
    "/inbox/conversations/<int:conversation_id>/team",
    methods=["PUT"],
    body=ConversationTeamIn,
    response=ConversationTeamOut,
    roles=AGENT_ROLES,
    errors=("not_found",),
)
def set_conversation_team(conversation_id: int, body: dict[str, Any]) -> Any:
    """Route a conversation to a team (``null``: to none); who sees it still follows its site.
    The agents who see it get ``conversation.update``."""
    actor = Actor("agent", g.user.id, None, g.user.name or g.user.email)
    conv = conversation_for(actor, conversation_id)
    team_id = body["team_id"]
    if team_id is not None:
        _team(team_id)
    if conv.team_id != team_id:
        conv.team_id = team_id
        conv.updated_at = now()
        audit.record(g.user, "conversation.team", "conversation", conv.id, team_id=team_id)
        db.session.commit()
        payload = {"conversation": conversation_dict(conv, True)}
        emit(ev.CONVERSATION_UPDATE, payload, site_rooms(conv.site_id), ev.AGENT)
    return {"id": conv.id, "team_id": conv.team_id}

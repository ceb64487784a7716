"""Canned responses over REST: agents read them (the composer's ``/`` picker), admins manage
them. Changes are audited like every other administrative change. Saving one asks the enabled
``chinwag.content_checks`` plugins about its text: the answer carries their ``advice`` (never
blocking; the admin's editor shows it); ``POST /advice`` asks them about unsaved text, so the
editor shows the advice while the author types.

A response may belong to a team (``team_id``): an agent lists those of every agent (no team)
and those of their own teams only; admins list all of them. An unknown team is
``409 unknown_team``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from marshmallow import Schema, fields, validate
from sqlalchemy import ColumnElement, or_, select, true

from chinwag import audit
from chinwag.api.base import endpoint
from chinwag.canned import CannedResponse
from chinwag.content_checks import advice_json
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site
from chinwag.schemas import MAX_INT, Strict
from chinwag.teams import Team, TeamMember
from chinwag.timefmt import UtcDateTime

bp = Blueprint("canned", __name__, url_prefix="/api/v1/canned-responses")

SHORTCUT = validate.Regexp(
    r"^[a-z0-9][a-z0-9_-]{0,39}$",
    error="Use 1 to 40 lower-case letters, digits, - or _ (it is typed after /).",
)


TEAM_HELP = "the team whose members see it (and admins); null: every agent"


class CannedIn(Strict):
    site_id = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=MAX_INT)
    )
    team_id = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=1, max=MAX_INT),
        metadata={"description": TEAM_HELP},
    )
    shortcut = fields.String(required=True, validate=SHORTCUT)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    text = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class CannedPatch(Strict):
    site_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=MAX_INT))
    team_id = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_INT),
        metadata={"description": TEAM_HELP},
    )
    shortcut = fields.String(validate=SHORTCUT)
    title = fields.String(validate=validate.Length(min=1, max=200))
    text = fields.String(validate=validate.Length(min=1, max=4000))


class CannedOut(Schema):
    id = fields.Integer()
    site_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True, metadata={"description": TEAM_HELP})
    shortcut = fields.String()
    title = fields.String()
    text = fields.String()
    created_at = UtcDateTime()


class AdviceOut(Schema):
    plugin = fields.String(metadata={"description": "the plugin that advises"})
    code = fields.String()
    message = fields.String()
    severity = fields.String(metadata={"description": "error, warning or advice"})


class CannedSaved(CannedOut):
    advice = fields.List(
        fields.Nested(AdviceOut),
        metadata={"description": "what the enabled content checks advise (never blocking)"},
    )


def _saved(row: CannedResponse) -> dict[str, Any]:
    """The saved response with the content checks' advice on its text."""
    out = {name: getattr(row, name) for name in CannedOut().fields}
    out["advice"] = advice_json(row.site_id, row.text)
    return out


class AdviceIn(Strict):
    site_id = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=MAX_INT)
    )
    text = fields.String(required=True, validate=validate.Length(max=4000))


class AdviceList(Schema):
    advice = fields.List(fields.Nested(AdviceOut))


class CannedQuery(Strict):
    site_id = fields.Integer(validate=validate.Range(min=1, max=MAX_INT))


def _check(site_id: int | None, shortcut: str, own_id: int | None = None) -> None:
    """The site exists, and the shortcut is unique where it applies (its site and all sites)."""
    if site_id is not None and db.session.get(Site, site_id) is None:
        raise ApiError("not_found", "No such site.", 404)
    clash = db.session.execute(
        select(CannedResponse.id).where(
            CannedResponse.shortcut == shortcut,
            CannedResponse.id != (own_id or 0),
            or_(CannedResponse.site_id == site_id, CannedResponse.site_id.is_(None))
            if site_id is not None
            else true(),
        )
    ).first()
    if clash:
        raise ApiError(
            "shortcut_taken",
            f"/{shortcut} is already used by another canned response.",
            409,
            {"shortcut": ["Already used by another canned response."]},
        )


def _check_team(team_id: int | None) -> None:
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise ApiError("unknown_team", "No such team.", 409, {"team_id": ["No team has this id."]})


def _readable() -> ColumnElement[bool]:
    """The responses the signed-in user may read: all for an admin; for an agent, those of no
    team and those of the agent's teams."""
    if g.user.role == "admin":
        return true()
    mine = select(TeamMember.team_id).where(TeamMember.user_id == g.user.id)
    return or_(CannedResponse.team_id.is_(None), CannedResponse.team_id.in_(mine))


def _get(canned_id: int) -> CannedResponse:
    row = db.session.get(CannedResponse, canned_id)
    if row is None:
        raise ApiError("not_found", "No such canned response.", 404)
    return row


@endpoint(bp, "", query=CannedQuery, response=CannedOut, many=True, roles=("admin", "agent"))
def list_canned(query: dict[str, Any]) -> Any:
    """The responses of a site (and those of every site), by shortcut; all of them without it.
    An agent gets those of no team and those of their own teams only."""
    stmt = (
        select(CannedResponse)
        .where(_readable())
        .order_by(CannedResponse.shortcut, CannedResponse.id)
    )
    if query.get("site_id"):
        stmt = stmt.where(
            or_(CannedResponse.site_id == query["site_id"], CannedResponse.site_id.is_(None))
        )
    return db.session.execute(stmt).scalars().all()


@endpoint(
    bp,
    "/advice",
    methods=["POST"],
    body=AdviceIn,
    response=AdviceList,
    errors=("content_advice_recursion", "not_found"),
)
def advice(body: dict[str, Any]) -> Any:
    """What the enabled content checks advise on a reply being written (admins; nothing is
    saved). An unknown site is ``404 not_found``."""
    if body["site_id"] is not None and db.session.get(Site, body["site_id"]) is None:
        raise ApiError("not_found", "No such site.", 404)
    return {"advice": advice_json(body["site_id"], body["text"]) if body["text"].strip() else []}


@endpoint(
    bp,
    "",
    methods=["POST"],
    body=CannedIn,
    response=CannedSaved,
    status=201,
    errors=("content_advice_recursion", "not_found", "shortcut_taken", "unknown_team"),
)
def create(body: dict[str, Any]) -> Any:
    """Add a canned response (admins)."""
    _check(body["site_id"], body["shortcut"])
    _check_team(body["team_id"])
    row = CannedResponse(**body, created_by=g.user.id)
    db.session.add(row)
    db.session.flush()
    audit.record(g.user, "canned.create", "canned_response", row.id, shortcut=row.shortcut)
    db.session.commit()
    return _saved(row)


@endpoint(
    bp,
    "/<int:canned_id>",
    methods=["PATCH"],
    body=CannedPatch,
    response=CannedSaved,
    errors=("content_advice_recursion", "not_found", "shortcut_taken", "unknown_team"),
)
def patch(canned_id: int, body: dict[str, Any]) -> Any:
    """Change a canned response (admins)."""
    row = _get(canned_id)
    site_id = body.get("site_id", row.site_id)
    _check(site_id, body.get("shortcut", row.shortcut), row.id)
    if "team_id" in body:
        _check_team(body["team_id"])
    for key, value in body.items():
        setattr(row, key, value)
    audit.record(g.user, "canned.update", "canned_response", row.id, keys=sorted(body))
    db.session.commit()
    return _saved(row)


@endpoint(bp, "/<int:canned_id>", methods=["DELETE"], status=204, errors=("not_found",))
def delete(canned_id: int) -> Any:
    """Delete a canned response (admins)."""
    row = _get(canned_id)
    audit.record(g.user, "canned.delete", "canned_response", row.id, shortcut=row.shortcut)
    db.session.delete(row)
    db.session.commit()
    return None

"""Retention windows per site and legal holds on conversations, over REST (admins only).

``GET /api/v1/sites/{id}/retention`` also says what the next run would delete. The deleting is
done by :mod:`chinwag.retention`'s scheduled job; every change here is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from marshmallow import Schema, fields, validate

from chinwag import audit, retention
from chinwag.actions import get_site, now, write_transaction
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation
from chinwag.schemas import Strict, StrictBool
from chinwag.timefmt import UtcDateTime

bp = Blueprint("retention", __name__, url_prefix="/api/v1")


def _days() -> fields.Integer:
    """A window in days: 1 to 10 years, or null for "keep for ever"."""
    return fields.Integer(
        required=True, allow_none=True, validate=validate.Range(min=1, max=retention.MAX_DAYS)
    )


class RetentionIn(Strict):
    conversation_days = _days()
    visitor_inactive_days = _days()


class RetentionOut(Schema):
    site_id = fields.Integer()
    conversation_days = fields.Integer(allow_none=True)
    visitor_inactive_days = fields.Integer(allow_none=True)
    next_run = fields.Dict(metadata={"description": "what the next run would delete"})


class LegalHoldIn(Strict):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class LegalHoldOut(Schema):
    conversation_id = fields.Integer()
    held = StrictBool()
    reason = fields.String(allow_none=True)
    set_by = fields.String(allow_none=True)
    created_at = UtcDateTime(allow_none=True)


def _retention(site_id: int) -> dict[str, Any]:
    rule = retention.policy(site_id)
    due = retention.plan(site_id)
    return {
        "site_id": site_id,
        "conversation_days": rule.conversation_days,
        "visitor_inactive_days": rule.visitor_inactive_days,
        "next_run": {
            "conversations": due.conversations,
            "visitors": due.visitors,
            "held_conversations": due.held,
        },
    }


@endpoint(
    bp,
    "/sites/<int:site_id>/retention",
    response=RetentionOut,
    roles=("admin",),
    errors=("not_found",),
)
def show_retention(site_id: int) -> Any:
    """The site's retention windows and what the next run would delete."""
    get_site(site_id)
    return _retention(site_id)


@endpoint(
    bp,
    "/sites/<int:site_id>/retention",
    methods=["PUT"],
    body=RetentionIn,
    response=RetentionOut,
    roles=("admin",),
    errors=("not_found",),
)
def set_retention(site_id: int, body: dict[str, Any]) -> Any:
    """Set the windows in days (``null`` keeps that kind of data for ever)."""
    get_site(site_id)
    with write_transaction():
        rule = db.session.get(retention.RetentionPolicy, site_id)
        if rule is None:
            rule = retention.RetentionPolicy(site_id=site_id)
            db.session.add(rule)
        rule.conversation_days = body["conversation_days"]
        rule.visitor_inactive_days = body["visitor_inactive_days"]
        rule.updated_at = now()
        audit.record(g.user, "site.retention", "site", site_id, **body)
    return _retention(site_id)


def _conversation(conversation_id: int) -> Conversation:
    conv = db.session.get(Conversation, conversation_id)
    if conv is None:
        raise ApiError("not_found", "No such conversation.", 404)
    return conv


def _hold_dict(conversation_id: int) -> dict[str, Any]:
    hold = db.session.get(retention.LegalHold, conversation_id)
    if hold is None:
        return {"conversation_id": conversation_id, "held": False}
    return {
        "conversation_id": conversation_id,
        "held": True,
        "reason": hold.reason,
        "set_by": hold.set_by,
        "created_at": hold.created_at,
    }


_hold_rule = "/conversations/<int:conversation_id>/legal-hold"


@endpoint(bp, _hold_rule, response=LegalHoldOut, roles=("admin",), errors=("not_found",))
def show_hold(conversation_id: int) -> Any:
    """Whether the conversation is on legal hold (kept whatever the retention window)."""
    _conversation(conversation_id)
    return _hold_dict(conversation_id)


@endpoint(
    bp,
    _hold_rule,
    methods=["PUT"],
    body=LegalHoldIn,
    response=LegalHoldOut,
    roles=("admin",),
    errors=("not_found",),
)
def set_hold(conversation_id: int, body: dict[str, Any]) -> Any:
    """Put the conversation on legal hold: retention never deletes it or its visitor."""
    conv = _conversation(conversation_id)
    with write_transaction():
        hold = db.session.get(retention.LegalHold, conversation_id)
        if hold is None:
            hold = retention.LegalHold(conversation_id=conversation_id, set_by=g.user.email)
            db.session.add(hold)
        hold.reason = body["reason"]
        audit.record(
            g.user,
            "conversation.legal_hold",
            "conversation",
            conv.id,
            held=True,
            reason=body["reason"],
        )
    return _hold_dict(conversation_id)


@endpoint(
    bp,
    _hold_rule,
    methods=["DELETE"],
    response=LegalHoldOut,
    roles=("admin",),
    errors=("not_found",),
)
def release_hold(conversation_id: int) -> Any:
    """Release the hold: the conversation follows its site's retention window again."""
    conv = _conversation(conversation_id)
    with write_transaction():
        hold = db.session.get(retention.LegalHold, conversation_id)
        if hold is not None:
            db.session.delete(hold)
            audit.record(g.user, "conversation.legal_hold", "conversation", conv.id, held=False)
    return _hold_dict(conversation_id)

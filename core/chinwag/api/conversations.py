"""Conversations over REST: the same data as the socket protocol, for catch-up and the inbox."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from sqlalchemy import select

from chinwag import access
from chinwag.actions import Actor, conversation_for, messages_after
from chinwag.actions.views import visitor_copy
from chinwag.api.base import authenticate, endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation
from chinwag.schemas import (
    AgentConversationOut,
    ConversationsQuery,
    MessagesOut,
    MessagesQuery,
)
from chinwag.visitors import visitor_from_token

bp = Blueprint("conversations", __name__, url_prefix="/api/v1/conversations")


#: what :func:`current_actor` answers: a bad visitor token, or the agents' token check
CALLER_ERRORS = ("auth_required", "token_invalid", "token_expired", "token_revoked", "forbidden")


def current_actor() -> Actor:
    """A visitor (``Authorization: Visitor <token>``) or an agent (``Bearer <jwt>``)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Visitor "):
        visitor = visitor_from_token(header[8:].strip())
        if visitor is None:
            raise ApiError("token_invalid", "The visitor token is not valid.", 401)
        return Actor("visitor", visitor.id, visitor.site_id)
    authenticate(("admin", "agent"))
    return Actor("agent", g.user.id, None, g.user.name or g.user.email)


@endpoint(
    bp,
    "/<int:conversation_id>/messages",
    query=MessagesQuery,
    response=MessagesOut,
    roles=None,
    errors=(*CALLER_ERRORS, "not_found"),
)
def list_messages(conversation_id: int, query: dict[str, Any]) -> Any:
    """Messages after ``after_seq`` in order (the gap fetch of the delivery protocol)."""
    actor = current_actor()
    conv = conversation_for(actor, conversation_id)
    rows, more = messages_after(conv, query["after_seq"], query["limit"])
    if actor.kind == "visitor":  # their form, as the socket's: no annotations, their own text
        return {"messages": [visitor_copy(r) for r in rows], "resync_required": more}
    return {"messages": rows, "resync_required": more}


@endpoint(
    bp,
    "",
    query=ConversationsQuery,
    response=AgentConversationOut,
    many=True,
    roles=None,
    errors=CALLER_ERRORS,
)
def list_conversations(query: dict[str, Any]) -> Any:
    """A visitor's own conversations, or the agents' inbox (filters: status, site, assignee)."""
    actor = current_actor()
    stmt = select(Conversation).order_by(Conversation.updated_at.desc()).limit(query["limit"])
    if actor.kind == "visitor":
        stmt = stmt.where(Conversation.visitor_id == actor.id)
    else:
        stmt = stmt.where(access.visible(int(actor.id)))  # the sites the agent sees
        if query.get("site_id"):
            stmt = stmt.where(Conversation.site_id == query["site_id"])
        if query.get("team_id"):
            stmt = stmt.where(Conversation.team_id == query["team_id"])
        if query["assignee"] == "unassigned":
            stmt = stmt.where(Conversation.assignee_user_id.is_(None))
        elif query["assignee"] == "mine":
            stmt = stmt.where(Conversation.assignee_user_id == actor.id)
    if query.get("status"):
        stmt = stmt.where(Conversation.status == query["status"])
    return db.session.execute(stmt).scalars().all()

"""What the agent workspace lists: conversations with what an agent triages by (last message,
unread visitor messages, how long the visitor has waited, site) and a visitor's history.

``/api/v1/conversations`` stays the plain resource; these views are computed in a few grouped
queries over the page of conversations, never one query per row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g
from marshmallow import Schema, fields
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation, Message, Site, Visitor
from chinwag.schemas import AgentConversationOut, ConversationsQuery

bp = Blueprint("inbox", __name__, url_prefix="/api/v1/inbox")

PREVIEW_CHARS = 140
AGENT_ROLES = ("admin", "agent")


class LastMessageOut(Schema):
    """A short preview of the newest message (text cut, attachments named)."""

    author_kind = fields.String()
    author_name = fields.String(allow_none=True)
    preview = fields.String()
    created_at = fields.DateTime()


class InboxConversationOut(AgentConversationOut):
    site_name = fields.String()
    unread = fields.Integer(metadata={"description": "Visitor messages after agent_read_seq."})
    waiting_since = fields.DateTime(
        allow_none=True,
        metadata={"description": "First visitor message not yet answered by an agent."},
    )
    last_message = fields.Nested(LastMessageOut, allow_none=True)


def preview(message: Message) -> str:
    """The text, else the attachments' names: what the list shows under the visitor's name."""
    text = " ".join(message.text.split())
    if not text:
        names = []
        for block in message.blocks or []:
            label = block.get("name") or block.get("title") or block.get("alt") or block.get("text")
            names.append(f"{block.get('type', 'block')}: {label}" if label else block.get("type"))
        text = ", ".join(str(n) for n in names if n)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


FIELDS = tuple(AgentConversationOut().fields)


def decorate(convs: list[Conversation]) -> list[dict[str, Any]]:
    """Each conversation with its site name, unread count, waiting time and last message."""
    ids = [c.id for c in convs]
    if not ids:
        return []
    unread = dict(
        db.session.execute(
            select(Message.conversation_id, func.count())
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.conversation_id.in_(ids),
                Message.author_kind == "visitor",
                Message.seq > Conversation.agent_read_seq,
            )
            .group_by(Message.conversation_id)
        ).all()
    )
    answered = aliased(Message)
    last_answer = (
        select(func.coalesce(func.max(answered.seq), 0))
        .where(answered.conversation_id == Message.conversation_id, answered.author_kind == "agent")
        .scalar_subquery()
    )
    waiting: dict[int, datetime] = dict(
        db.session.execute(
            select(Message.conversation_id, func.min(Message.created_at))
            .where(
                Message.conversation_id.in_(ids),
                Message.author_kind == "visitor",
                Message.seq > last_answer,
            )
            .group_by(Message.conversation_id)
        ).all()
    )
    last = {
        m.conversation_id: m
        for m in db.session.execute(
            select(Message)
            .join(
                Conversation,
                and_(
                    Conversation.id == Message.conversation_id, Message.seq == Conversation.last_seq
                ),
            )
            .where(Message.conversation_id.in_(ids))
        ).scalars()
    }
    sites = dict(
        db.session.execute(
            select(Site.id, Site.name).where(Site.id.in_({c.site_id for c in convs}))
        ).all()
    )
    out = []
    for c in convs:
        row: dict[str, Any] = {name: getattr(c, name) for name in FIELDS}
        m = last.get(c.id)
        row.update(
            site_name=sites.get(c.site_id, ""),
            unread=unread.get(c.id, 0),
            waiting_since=waiting.get(c.id) if c.status == "open" else None,
            last_message=None
            if m is None
            else {
                "author_kind": m.author_kind,
                "author_name": m.author_name,
                "preview": preview(m),
                "created_at": m.created_at,
            },
        )
        out.append(row)
    return out


@endpoint(
    bp,
    "/conversations",
    query=ConversationsQuery,
    response=InboxConversationOut,
    many=True,
    roles=AGENT_ROLES,
)
def inbox_conversations(query: dict[str, Any]) -> Any:
    """The inbox's list: filters as ``/conversations``, newest activity first."""
    stmt = select(Conversation).order_by(Conversation.updated_at.desc()).limit(query["limit"])
    if query.get("site_id"):
        stmt = stmt.where(Conversation.site_id == query["site_id"])
    if query["assignee"] == "unassigned":
        stmt = stmt.where(Conversation.assignee_user_id.is_(None))
    elif query["assignee"] == "mine":
        stmt = stmt.where(Conversation.assignee_user_id == g.user.id)
    if query.get("status"):
        stmt = stmt.where(Conversation.status == query["status"])
    return decorate(list(db.session.execute(stmt).scalars()))


@endpoint(
    bp,
    "/visitors/<int:visitor_id>/conversations",
    response=InboxConversationOut,
    many=True,
    roles=AGENT_ROLES,
)
def visitor_conversations(visitor_id: int) -> Any:
    """Every conversation of one visitor, newest first: the visitor panel's history."""
    if db.session.get(Visitor, visitor_id) is None:
        raise ApiError("not_found", "No such visitor.", 404)
    stmt = (
        select(Conversation)
        .where(Conversation.visitor_id == visitor_id)
        .order_by(Conversation.updated_at.desc())
        .limit(50)
    )
    return decorate(list(db.session.execute(stmt).scalars()))

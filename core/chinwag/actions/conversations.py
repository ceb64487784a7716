"""Conversation changes other than messages: status, assignment, hand-off, reading, typing."""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api.events import (
    ConversationAssigned,
    ConversationClosed,
    ConversationHandedOff,
    ConversationRead,
    ConversationReopened,
    TypingChanged,
)
from sqlalchemy import select, update

from chinwag import access, audit
from chinwag import events as ev
from chinwag.actions.base import Actor, conversation_for, emit, inbox_event, now, write_transaction
from chinwag.actions.views import inbox_dict
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation, InboxEvent, User

#: how many inbox events one ``inbox.sync`` returns
INBOX_PAGE = 500


def set_status(actor: Actor, conversation_id: int, status: str) -> Conversation:
    """Close (``closed``) or reopen (``open``) a conversation."""
    conv = conversation_for(actor, conversation_id)
    if conv.status == status:
        return conv
    closed = status == "closed"
    with write_transaction():
        conv.status = status
        conv.updated_at = now()
        action = "conversation.close" if closed else "conversation.reopen"
        audit.record_agent(
            actor.kind, actor.id, action, "conversation", conv.id, site_id=conv.site_id
        )
        inbox = inbox_event(
            conv.site_id,
            ev.INBOX_CONVERSATION_CLOSED if closed else ev.INBOX_CONVERSATION_REOPENED,
            {"conversation_id": conv.id, "by": actor.sender},
        )
    event = ConversationClosed if closed else ConversationReopened
    emit(event(conv.site_id, conv.id, conv.visitor_id, actor.sender, inbox.id))
    return conv


def assign(actor: Actor, conversation_id: int, user_id: int | None) -> Conversation:
    """Assign a conversation to an active agent who sees its site (None: unassign)."""
    user = None
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or user.disabled:
            raise ApiError("user_not_found", "No such active agent.", 404)
    conv = conversation_for(actor, conversation_id)
    if user is not None:
        scope = access.compute_scope(user)
        if scope is not None and conv.site_id not in scope:
            raise ApiError(
                "assignee_out_of_scope", "That agent does not see this conversation's site.", 409
            )
    with write_transaction():
        conv.assignee_user_id = user_id
        conv.assignee_kind = "agent" if user_id else None
        conv.updated_at = now()
        audit.record_agent(
            actor.kind,
            actor.id,
            "conversation.assign" if user_id else "conversation.unassign",
            "conversation",
            conv.id,
            site_id=conv.site_id,
            **({"user_id": user_id, "assignee": user.name or user.email} if user else {}),
        )
        inbox = inbox_event(
            conv.site_id,
            ev.INBOX_CONVERSATION_ASSIGNED,
            {"conversation_id": conv.id, "user_id": user_id},
        )
    emit(
        ConversationAssigned(
            conv.site_id, conv.id, conv.visitor_id, actor.sender, inbox.id, user_id=user_id
        )
    )
    return conv


def hand_off(conversation_id: int, by: str | None = None) -> Conversation:
    """A bot gives the conversation to humans: unassigned, bots stop answering."""
    with write_transaction():
        conv = db.session.get(Conversation, conversation_id)
        assert conv is not None
        conv.assignee_kind = "agent"
        conv.assignee_user_id = None
        conv.updated_at = now()
        inbox = inbox_event(
            conv.site_id, ev.INBOX_CONVERSATION_HANDOFF, {"conversation_id": conv.id}
        )
    emit(ConversationHandedOff(conv.site_id, conv.id, conv.visitor_id, by, inbox.id))
    return conv


def mark_read(actor: Actor, conversation_id: int, seq: int) -> Conversation:
    """The visitor or the agents have read up to ``seq`` (never backwards)."""
    conv = conversation_for(actor, conversation_id)
    seq = min(seq, conv.last_seq)
    field = "visitor_read_seq" if actor.kind == "visitor" else "agent_read_seq"
    if getattr(conv, field) >= seq:
        return conv
    with write_transaction():
        db.session.execute(
            update(Conversation).where(Conversation.id == conv.id).values({field: seq})
        )
    db.session.refresh(conv)
    emit(
        ConversationRead(
            conv.site_id, conv.id, conv.visitor_id, actor.sender, reader=actor.kind, seq=seq
        )
    )
    return conv


def set_typing(actor: Actor, conversation_id: int, typing: bool) -> None:
    """Someone types (or stopped): not stored, only emitted."""
    conv = conversation_for(actor, conversation_id)
    emit(TypingChanged(conv.site_id, conv.id, conv.visitor_id, actor.kind, typing))


def visitor_conversations(actor: Actor) -> list[Conversation]:
    """A visitor's conversations, the latest first."""
    return list(
        db.session.execute(
            select(Conversation)
            .where(Conversation.visitor_id == actor.id)
            .order_by(Conversation.updated_at.desc())
        ).scalars()
    )


def inbox_since(
    after_event_id: int, sites: frozenset[int] | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """The inbox log after ``after_event_id``, oldest first, of the sites in ``sites`` (None:
    every site; an agent's scope, :mod:`chinwag.access`); the flag says more remain."""
    stmt = select(InboxEvent).where(InboxEvent.id > after_event_id)
    if sites is not None:
        stmt = stmt.where(InboxEvent.site_id.in_(sorted(sites)))
    rows = db.session.execute(stmt.order_by(InboxEvent.id).limit(INBOX_PAGE + 1)).scalars().all()
    return [inbox_dict(r) for r in rows[:INBOX_PAGE]], len(rows) > INBOX_PAGE

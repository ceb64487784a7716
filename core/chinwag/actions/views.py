"""Serialisers and views: what clients and plugins are shown of a stored row (one place each).

``message_dict`` and ``conversation_dict`` are ``MessageOut``/``ConversationOut`` written out by
hand: they run for every delivery and every ack, and the marshmallow dump was a tenth of the
server's time per message (same output, tested against the schemas). They accept anything with
the row's attributes: an ORM row, the group commit's plain row, a :class:`StoredMessage`.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from chinwag_plugin_api import ConversationView, MessageView, VisitorRef
from chinwag_plugin_api.events import StoredMessage

from chinwag.models import Conversation, InboxEvent, Message, Visitor
from chinwag.profiles import assignee_of, author_of, remember_author
from chinwag.schemas import AgentConversationOut
from chinwag.timefmt import iso_utc

_agent_conversation_out = AgentConversationOut()


def _iso(value: datetime | None) -> str | None:
    return iso_utc(value)  # RFC 3339 UTC with its offset (timefmt.py, docs/security.md)


def message_dict(m: Any, for_visitor: bool = False) -> dict[str, Any]:
    """A message as clients receive it (``MessageOut``). ``annotations`` are what plugins noted
    for agents (a language, a redaction, an accessibility advice): the visitor's form carries
    none of them (null). ``author_name``/``author_avatar_url`` are the author's public profile
    (``chinwag.profiles``): an agent's display name, never their email."""
    name, avatar = author_of(m)
    text, blocks = m.text, m.blocks
    if for_visitor:  # the visitor's own copy of a message masked for agents (AgentView)
        mine = getattr(m, "visitor_text", None)
        if mine is not None:
            text, blocks = mine, getattr(m, "visitor_blocks", None)
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "seq": m.seq,
        "client_msg_id": m.client_msg_id,
        "author_kind": m.author_kind,
        "author_name": name,
        "author_avatar_url": avatar,
        "text": text,
        "blocks": None if blocks is None else [dict(b) for b in blocks],
        "annotations": None if for_visitor or m.annotations is None else dict(m.annotations),
        "created_at": _iso(m.created_at),
    }


def visitor_copy(m: Message) -> Any:
    """The row as its visitor has it (a detached copy: the stored row is not changed): what they
    wrote when an ``AgentView`` masked it for agents, and no ``annotations`` (plugins' notes for
    agents; :func:`message_dict` with ``for_visitor`` drops them the same way)."""
    values = {c.key: getattr(m, c.key) for c in Message.__table__.columns}
    values["annotations"] = None
    if m.visitor_text is not None:
        values.update(text=m.visitor_text, blocks=m.visitor_blocks or [])
    return SimpleNamespace(**values)


def conversation_dict(c: Any, for_agent: bool = False) -> dict[str, Any]:
    """A conversation as clients receive it (``ConversationOut``; in every visitor ack); the
    agents' form nests the visitor."""
    if for_agent:
        return _agent_conversation_out.dump(c)  # type: ignore[no-any-return]
    agent_name, agent_avatar = assignee_of(c)
    return {
        "id": c.id,
        "site_id": c.site_id,
        "visitor_id": c.visitor_id,
        "status": c.status,
        "assignee_kind": c.assignee_kind,
        "assignee_user_id": c.assignee_user_id,
        "last_seq": c.last_seq,
        "visitor_read_seq": c.visitor_read_seq,
        "agent_read_seq": c.agent_read_seq,
        "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        # who answers, as the widget's typing line names them (chinwag.profiles)
        "agent_name": agent_name,
        "agent_avatar_url": agent_avatar,
    }


def inbox_dict(row: InboxEvent) -> dict[str, Any]:
    """An entry of the agents' inbox log, as ``inbox.event`` and ``inbox.sync`` send it."""
    return {"event_id": row.id, "kind": row.kind, "site_id": row.site_id, **row.payload}


def stored_message(m: Any) -> StoredMessage:
    """The event's form of a stored message."""
    if m.author_kind == "agent":  # its fan-out names the author without reading the row back
        remember_author(m.id, getattr(m, "author_user_id", None))
    return StoredMessage(
        id=m.id,
        conversation_id=m.conversation_id,
        seq=m.seq,
        client_msg_id=m.client_msg_id,
        author_kind=m.author_kind,
        author_name=m.author_name,
        text=m.text,
        blocks=tuple(m.blocks or ()),
        annotations=dict(m.annotations or {}),
        created_at=m.created_at,
        visitor_text=getattr(m, "visitor_text", None),
        visitor_blocks=_blocks_or_none(getattr(m, "visitor_blocks", None)),
    )


def _blocks_or_none(blocks: Any) -> tuple[Any, ...] | None:
    return None if blocks is None else tuple(blocks)


def visitor_ref(v: Visitor) -> VisitorRef:
    return VisitorRef(
        id=v.id,
        site_id=v.site_id,
        external_id=v.external_id,
        verified=v.verified,
        attributes=dict(v.attributes or {}),
        page_url=v.page_url,
        referrer=v.referrer,
        locale=v.locale,
    )


def message_view(m: Any) -> MessageView:
    return MessageView(
        id=m.id,
        conversation_id=m.conversation_id,
        seq=m.seq,
        author_kind=m.author_kind,
        text=m.text,
        blocks=tuple(m.blocks or ()),
        created_at=m.created_at,
    )


def conversation_view(c: Conversation) -> ConversationView:
    return ConversationView(
        id=c.id,
        site_id=c.site_id,
        visitor=visitor_ref(c.visitor),
        status=c.status,
        assignee_kind=c.assignee_kind,
        assignee_id=str(c.assignee_user_id) if c.assignee_user_id else None,
        team_id=c.team_id,
    )

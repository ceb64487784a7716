"""Privacy requests: export everything held about a visitor, or erase it — core data and every
plugin's data (through the plugins' ``PrivacyHandler``), so a request covers the whole system."""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import PrivacyHandler
from chinwag_plugin_api.events import VisitorErased
from sqlalchemy import delete, select

from chinwag import audit
from chinwag.actions.base import actor_of, emit, write_transaction
from chinwag.actions.views import visitor_ref
from chinwag.annotations import ConversationAnnotation, annotation_dict
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation, Message, Visitor
from chinwag.notes import InternalNote, note_dict
from chinwag.schemas import ConversationOut, MessageOut, VisitorOut
from chinwag.state import state
from chinwag.timefmt import iso_utc


def get_visitor(visitor_id: int) -> Visitor:
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is None:
        raise ApiError("not_found", "No such visitor.", 404)
    return visitor


def export_visitor(visitor: Visitor) -> dict[str, Any]:
    """The visitor's record, conversations, messages and each enabled plugin's data."""
    convs = (
        db.session.execute(
            select(Conversation)
            .where(Conversation.visitor_id == visitor.id)
            .order_by(Conversation.id)
        )
        .scalars()
        .all()
    )
    out: dict[str, Any] = {
        "visitor": VisitorOut().dump(visitor),
        "consent": {
            "version": visitor.consent_version,
            "at": iso_utc(visitor.consent_at),
        },
        "conversations": [],
        "plugins": {},
    }
    for conv in convs:
        msgs = (
            db.session.execute(
                select(Message).where(Message.conversation_id == conv.id).order_by(Message.seq)
            )
            .scalars()
            .all()
        )
        out["conversations"].append(
            {
                **ConversationOut().dump(conv),
                "messages": MessageOut(many=True).dump(msgs),
                **_inbox_records(conv.id),
            }
        )
    chinwag = state()
    host = chinwag.plugins
    ref = visitor_ref(visitor)
    for record, handler in host.extensions(PrivacyHandler.namespace):
        data = host.call(record, handler.export, chinwag.context(record), ref)
        if data is not None:
            out["plugins"][record.name] = dict(data)
    return out


def _inbox_records(conversation_id: int) -> dict[str, Any]:
    """What agents and plugins wrote about a conversation (internal notes, annotations, of
    every plugin, enabled or not): data about the visitor, so part of their export."""
    notes = db.session.execute(
        select(InternalNote)
        .where(InternalNote.conversation_id == conversation_id)
        .order_by(InternalNote.id)
    ).scalars()
    annotations = db.session.execute(
        select(ConversationAnnotation)
        .where(ConversationAnnotation.conversation_id == conversation_id)
        .order_by(ConversationAnnotation.id)
    ).scalars()
    return {
        "internal_notes": [note_dict(n) for n in notes],
        "annotations": [annotation_dict(a) for a in annotations],
    }


def erase_visitor(visitor: Visitor, actor: Any) -> list[str]:
    """Erase plugin data first (they may need the core rows to find it), then the core rows.

    Returns the names of plugins whose erasure failed; the core erasure happens regardless and the
    failures are audited so an admin can retry."""
    chinwag = state()
    host = chinwag.plugins
    ref = visitor_ref(visitor)
    failed: list[str] = []
    for record, handler in host.extensions(PrivacyHandler.namespace):
        before = record.stats.failures + record.stats.timeouts
        host.call(record, handler.erase, chinwag.context(record), ref)
        if record.stats.failures + record.stats.timeouts > before:
            failed.append(record.name)
    visitor_id, site_id = visitor.id, visitor.site_id
    with write_transaction():
        conv_ids = select(Conversation.id).where(Conversation.visitor_id == visitor_id)
        db.session.execute(delete(Message).where(Message.conversation_id.in_(conv_ids)))
        for table in (InternalNote, ConversationAnnotation):
            db.session.execute(delete(table).where(table.conversation_id.in_(conv_ids)))
        db.session.execute(delete(Conversation).where(Conversation.visitor_id == visitor_id))
        db.session.delete(visitor)
        audit.record(actor, "visitor.erase", "visitor", visitor_id, failed_plugins=failed)
    emit(VisitorErased(site_id, visitor_id, by=actor_of(actor)))
    return failed

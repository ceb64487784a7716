"""Privacy requests: export everything held about a visitor, or erase it — core data and every
plugin's data (through the plugins' ``PrivacyHandler``), so a request covers the whole system."""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import PrivacyHandler
from flask import Blueprint, g
from sqlalchemy import delete, select

from chinwag import audit
from chinwag.actions import visitor_ref, write_transaction
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation, Message, Visitor
from chinwag.schemas import ConversationOut, MessageOut, VisitorOut
from chinwag.state import state

bp = Blueprint("privacy", __name__, url_prefix="/api/v1/visitors")


def _visitor(visitor_id: int) -> Visitor:
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
            "at": visitor.consent_at.isoformat() if visitor.consent_at else None,
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
            {**ConversationOut().dump(conv), "messages": MessageOut(many=True).dump(msgs)}
        )
    host = state().plugins
    ref = visitor_ref(visitor)
    for record, handler in host.extensions(PrivacyHandler.namespace):
        data = host.call(record, handler.export, state().context(record), ref)
        if data is not None:
            out["plugins"][record.name] = dict(data)
    return out


def erase_visitor(visitor: Visitor, actor: Any) -> list[str]:
    """Erase plugin data first (they may need the core rows to find it), then the core rows.

    Returns the names of plugins whose erasure failed; the core erasure happens regardless and the
    failures are audited so an admin can retry."""
    host = state().plugins
    ref = visitor_ref(visitor)
    failed: list[str] = []
    for record, handler in host.extensions(PrivacyHandler.namespace):
        before = record.stats.failures + record.stats.timeouts
        host.call(record, handler.erase, state().context(record), ref)
        if record.stats.failures + record.stats.timeouts > before:
            failed.append(record.name)
    visitor_id = visitor.id
    with write_transaction():
        conv_ids = select(Conversation.id).where(Conversation.visitor_id == visitor_id)
        db.session.execute(delete(Message).where(Message.conversation_id.in_(conv_ids)))
        db.session.execute(delete(Conversation).where(Conversation.visitor_id == visitor_id))
        db.session.delete(visitor)
        audit.record(actor, "visitor.erase", "visitor", visitor_id, failed_plugins=failed)
    return failed


@endpoint(bp, "/<int:visitor_id>/export", roles=("admin",))
def export(visitor_id: int) -> Any:
    """Everything Chinwag and its plugins hold about a visitor (GDPR access request)."""
    visitor = _visitor(visitor_id)
    data = export_visitor(visitor)
    audit.record(g.user, "visitor.export", "visitor", visitor_id)
    db.session.commit()
    return data


@endpoint(bp, "/<int:visitor_id>", methods=["DELETE"], roles=("admin",))
def erase(visitor_id: int) -> Any:
    """Erase a visitor and everything held about them (GDPR erasure request)."""
    failed = erase_visitor(_visitor(visitor_id), g.user)
    return {"erased": True, "failed_plugins": failed}

"""Privacy requests: find a visitor, export everything held about them (JSON, or one archive with
their files), or erase it — core data and every plugin's data (through the plugins'
``PrivacyHandler``), so a request covers the whole system. The contract plugins follow is
docs/privacy.md."""

from __future__ import annotations

import json
import logging
import posixpath
import shutil
import zipfile
from typing import IO, Any

from chinwag_plugin_api import ExportedFile, PrivacyHandler
from chinwag_plugin_api.events import VisitorErased
from sqlalchemy import CursorResult, delete, func, select

from chinwag import audit, consent
from chinwag.actions.base import actor_of, emit, write_transaction
from chinwag.actions.views import visitor_ref
from chinwag.annotations import ConversationAnnotation, annotation_dict
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation, Message, Visitor, VisitorToken
from chinwag.notes import InternalNote, note_dict
from chinwag.schemas import ConversationOut, MessageOut, VisitorOut
from chinwag.state import state
from chinwag.timefmt import iso_utc

log = logging.getLogger(__name__)

#: most visitors one search returns (an email may be used on several sites)
FIND_LIMIT = 50


def get_visitor(visitor_id: int) -> Visitor:
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is None:
        raise ApiError("not_found", "No such visitor.", 404)
    return visitor


def find_visitors(
    *,
    visitor_id: int | None = None,
    email: str | None = None,
    external_id: str | None = None,
    site_id: int | None = None,
) -> list[Visitor]:
    """Visitors matching every criterion given: their id, their email (any case) or the id the
    site's backend verified for them (``external_id``); newest first, at most :data:`FIND_LIMIT`."""
    stmt = select(Visitor).order_by(Visitor.id.desc()).limit(FIND_LIMIT)
    if visitor_id is not None:
        stmt = stmt.where(Visitor.id == visitor_id)
    if email:
        stmt = stmt.where(func.lower(Visitor.email) == email.strip().lower())
    if external_id:
        stmt = stmt.where(Visitor.external_id == external_id)
    if site_id is not None:
        stmt = stmt.where(Visitor.site_id == site_id)
    return list(db.session.execute(stmt).scalars())


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
            "records": consent.history(visitor.id),
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


def write_archive(visitor: Visitor, fp: IO[bytes]) -> dict[str, Any]:
    """Write the visitor's export as one zip: ``export.json`` (what :func:`export_visitor`
    returns, plus ``archive`` listing each file) and ``files/<plugin>/<path>`` for every file a
    plugin's ``PrivacyHandler.export_files`` names. Files are streamed, never all in memory.

    A file that cannot be read is listed under ``archive.errors`` (the export still completes, and
    says what is missing); returns the ``export.json`` data."""
    data = export_visitor(visitor)
    listed: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    chinwag = state()
    host = chinwag.plugins
    ref = visitor_ref(visitor)
    with zipfile.ZipFile(fp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record, handler in host.extensions(PrivacyHandler.namespace):
            try:
                found = host.call(record, handler.export_files, chinwag.context(record), ref)
                files: list[ExportedFile] = list(found or ())
            except Exception as err:  # a plugin's generator fails while listed: say so, go on
                log.warning("export_files of %s raised %r", record.name, err)
                errors.append({"plugin": record.name, "path": "", "error": repr(err)})
                continue
            for item in files:
                path = _archive_path(record.name, item.path)
                if path is None:
                    errors.append({"plugin": record.name, "path": item.path, "error": "bad path"})
                    continue
                try:
                    with item.open() as src, archive.open(path, "w", force_zip64=True) as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                except Exception as err:  # storage down, object gone: the export says so
                    log.warning("export file %s of %s: %r", item.path, record.name, err)
                    errors.append({"plugin": record.name, "path": item.path, "error": repr(err)})
                    continue
                listed.append(
                    {
                        "plugin": record.name,
                        "path": path,
                        "content_type": item.content_type,
                        "size": archive.getinfo(path).file_size,
                    }
                )
        data["archive"] = {"files": listed, "errors": errors}
        archive.writestr("export.json", json.dumps(data, indent=2, ensure_ascii=False))
    return data


def _archive_path(plugin: str, path: str) -> str | None:
    """``files/<plugin>/<path>``, or None when ``path`` would leave that folder or is empty."""
    parts = path.replace("\\", "/").split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return None
    if any(ord(c) < 32 for c in path):
        return None
    return posixpath.join("files", plugin, *parts)


def erase_visitor(visitor: Visitor, actor: Any, *, audited: bool = True) -> list[str]:
    """Erase plugin data first (they may need the core rows to find it), then the core rows.

    Returns the names of plugins whose erasure failed; the core erasure happens regardless and the
    failures are audited. ``audited=False`` leaves the audit entry to the caller (the retention
    job audits one entry per run, not one per visitor)."""
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
        messages = _deleted(delete(Message).where(Message.conversation_id.in_(conv_ids)))
        for table in (InternalNote, ConversationAnnotation):
            db.session.execute(delete(table).where(table.conversation_id.in_(conv_ids)))
        conversations = _deleted(delete(Conversation).where(Conversation.visitor_id == visitor_id))
        db.session.execute(delete(VisitorToken).where(VisitorToken.visitor_id == visitor_id))
        consent.erase(visitor_id)
        db.session.delete(visitor)
        # what was erased, never the erased data itself (no name, email, text)
        if audited:
            audit.record(
                actor,
                "visitor.erase",
                "visitor",
                visitor_id,
                site_id=site_id,
                conversations=conversations,
                messages=messages,
                failed_plugins=failed,
            )
    emit(VisitorErased(site_id, visitor_id, by=actor_of(actor)))
    return failed


def _deleted(statement: Any) -> int:
    """Run a DELETE; how many rows it removed."""
    result: CursorResult[Any] = db.session.execute(statement)  # type: ignore[assignment]
    return int(result.rowcount)

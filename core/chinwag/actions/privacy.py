"""Privacy requests: find a visitor, export everything held about them (JSON, or one archive with
their files), or erase it — core data and every plugin's data (through the plugins'
``PrivacyHandler``), so a request covers the whole system. The contract plugins follow is
docs/privacy.md."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import posixpath
import secrets
import shutil
import time
import zipfile
from datetime import UTC, datetime
from typing import IO, Any

from chinwag_plugin_api import ExportedFile, PrivacyHandler
from chinwag_plugin_api.events import VisitorErased
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import CursorResult, delete, func, select

from chinwag import audit, consent, mailer, revocation
from chinwag.actions.base import actor_of, emit, write_transaction
from chinwag.actions.views import message_dict, visitor_ref
from chinwag.annotations import ConversationAnnotation, annotation_dict
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.labels import ConversationLabel
from chinwag.models import Conversation, Message, Site, UsedLink, Visitor, VisitorToken
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


def _exported_message(m: Message) -> dict[str, Any]:
    """A message in an export: as agents have it, and what the visitor wrote when an
    ``AgentView`` masked it for agents (both are held, so both are exported)."""
    out: dict[str, Any] = MessageOut().dump(m)
    if m.visitor_text is not None:
        out["visitor_text"] = m.visitor_text
        out["visitor_blocks"] = list(m.visitor_blocks or [])
    return out


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
                "messages": [_exported_message(m) for m in msgs],
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
    """What agents and plugins wrote about a conversation (internal notes, labels, annotations
    of every plugin, enabled or not): data about the visitor, so part of their export."""
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
    labels = db.session.execute(
        select(ConversationLabel.label)
        .where(ConversationLabel.conversation_id == conversation_id)
        .order_by(ConversationLabel.label)
    ).scalars()
    return {
        "internal_notes": [note_dict(n) for n in notes],
        "labels": list(labels),
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


class VisitorActor:
    """The audit's actor when a visitor erases themselves: no user id, named ``visitor:<id>``."""

    def __init__(self, visitor_id: int) -> None:
        self.id = None
        self.email = f"visitor:{visitor_id}"


def erase_visitor(
    visitor: Visitor, actor: Any, *, audited: bool = True, by_visitor: bool = False
) -> list[str]:
    """Erase plugin data first (they may need the core rows to find it), then the core rows.

    Returns the names of plugins whose erasure failed; the core erasure happens regardless and the
    failures are audited. ``audited=False`` leaves the audit entry to the caller (the retention
    job audits one entry per run, not one per visitor). ``by_visitor``: the visitor asked from
    the widget (audited as ``requested_by: visitor``, by ``visitor:<id>``)."""
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
    # the visitor asked: audited by ``visitor:<id>`` (no user), with who requested it
    who: Any = VisitorActor(visitor_id) if by_visitor else actor
    by_whom = {"requested_by": "visitor"} if by_visitor else {}
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
                who,
                "visitor.erase",
                "visitor",
                visitor_id,
                site_id=site_id,
                conversations=conversations,
                messages=messages,
                failed_plugins=failed,
                **by_whom,
            )
    by = f"visitor:{visitor_id}" if by_visitor else actor_of(actor)
    emit(VisitorErased(site_id, visitor_id, by=by))
    return failed


def _deleted(statement: Any) -> int:
    """Run a DELETE; how many rows it removed."""
    result: CursorResult[Any] = db.session.execute(statement)  # type: ignore[assignment]
    return int(result.rowcount)


# -- the visitor's own requests, from the widget's Privacy tab (docs/privacy.md) ---------------

#: mails (transcripts and verification mails) one visitor, and one address, get per window
SELF_SERVICE_MAILS = 3
SELF_SERVICE_WINDOW = 3600.0
#: how long a verification link is good for (seconds)
LINK_SECONDS = 3600
#: where the visitor's own requests are served (the widget's Privacy tab, and mailed links)
SELF_SERVICE_PATH = "/api/v1/widget/privacy"


def now_seconds() -> float:
    """The clock links are checked against (a test moves it)."""
    return time.time()


#: what a confirmation link sends once the address is confirmed (``w`` in the link; none is a
#: transcript, as before exports existed)
TRANSCRIPT, EXPORT = "transcript", "export"
#: the key label of confirmation links (a key derived from ``SECRET_KEY`` per kind of token)
_CONFIRM_LABEL = b"chinwag-transcript-link"


def _key(label: bytes) -> bytes:
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), label, hashlib.sha256).digest()


def sign_token(label: bytes, visitor_id: int, email: str, seconds: int, **extra: str) -> str:
    """A signed token naming ``visitor_id`` and ``email``, expiring in ``seconds``, with a
    nonce; ``label`` derives its key, so a token of one kind never passes for another."""
    payload = {
        "v": visitor_id,
        "e": email,
        "n": secrets.token_urlsafe(12),
        "x": int(now_seconds()) + seconds,
        **extra,
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    mac = hmac.new(_key(label), body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def read_token(label: bytes, token: str, again: str) -> dict[str, Any]:
    """The payload of a valid, unexpired token of ``label`` (``link_invalid`` /
    ``link_expired``, saying ``again`` what to ask for again, else)."""
    body, _, mac = token.partition(".")
    try:
        good = hmac.compare_digest(
            _unb64(mac), hmac.new(_key(label), body.encode(), hashlib.sha256).digest()
        )
        payload = json.loads(_unb64(body)) if good else None
    except (ValueError, TypeError):
        payload = None
    if not isinstance(payload, dict) or not {"v", "e", "n", "x"} <= set(payload):
        raise ApiError("link_invalid", "This link is not valid.", 400)
    if now_seconds() > float(payload["x"]):
        raise ApiError("link_expired", f"This link has expired; ask for {again} again.", 410)
    return payload


def sign_link(visitor_id: int, email: str, what: str = TRANSCRIPT) -> str:
    """A confirmation link's token: confirms ``email`` and then sends ``what`` (the transcript,
    or the export's download link) to it; signed, expiring, single use."""
    extra = {"w": what} if what != TRANSCRIPT else {}
    return sign_token(_CONFIRM_LABEL, visitor_id, email, LINK_SECONDS, **extra)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def read_link(token: str) -> dict[str, Any]:
    """The payload of a valid, unexpired confirmation link (``link_invalid`` /
    ``link_expired`` else; ``w``: what it sends, always set); not used up by reading it."""
    payload = read_token(_CONFIRM_LABEL, token, "it")
    if payload.setdefault("w", TRANSCRIPT) not in (TRANSCRIPT, EXPORT):
        raise ApiError("link_invalid", "This link is not valid.", 400)
    return payload


def link_visitor(payload: dict[str, Any], seconds: int) -> Visitor:
    """The visitor a token of ``seconds``' validity was issued to (``link_invalid`` once they
    are erased, also when a newer visitor got their id)."""
    visitor = db.session.get(Visitor, int(payload["v"]))
    if visitor is None or _born_after(visitor, float(payload["x"]) - seconds):
        raise ApiError("link_invalid", "This link is not valid any more.", 400)
    return visitor


def _born_after(visitor: Visitor, issued: float) -> bool:
    """The visitor row is younger than the link: the link was issued to an erased visitor whose
    id a new one got (SQLite reused ids before migration 0023, and once more after it for an id
    above every row it copied). Whole seconds: the link's clock is truncated to them."""
    created = visitor.created_at
    if created.tzinfo is None:  # SQLite keeps no offset: stored as UTC
        created = created.replace(tzinfo=UTC)
    return int(created.timestamp()) > int(issued)


def db_time(seconds: float) -> datetime:
    """A link's clock value as the database compares it (SQLite keeps no offset)."""
    at = datetime.fromtimestamp(float(seconds), UTC)
    return at.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else at


def purge_used_links(at: float | None = None) -> int:
    """Delete the markers of links that have expired (an expired link is refused by its own
    signed expiry, so its marker says nothing any more); the retention job calls it."""
    cutoff = db_time(now_seconds() if at is None else at)
    with write_transaction():
        result = db.session.execute(delete(UsedLink).where(UsedLink.expires_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def mask_email(email: str) -> str:
    """``a…@example.com``: enough for the visitor to recognise, nothing for a shoulder reader."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def render_template_mail(
    title: str, lines: list[str], link: str | None = None, footer: str = ""
) -> tuple[str, str]:
    """A short mail as plain text and HTML (every value escaped)."""
    text = "\n\n".join([title, *lines, *([link] if link else []), *([footer] if footer else [])])
    paras = "".join(f"<p>{escape(line)}</p>" for line in lines)
    button = f'<p><a href="{escape(link)}">{escape(link)}</a></p>' if link else ""
    html = (
        f"<!doctype html><html><body><h1>{escape(title)}</h1>{paras}{button}"
        f"<p><small>{escape(footer)}</small></p></body></html>"
    )
    return text + "\n", html


def _speaker(message: dict[str, Any]) -> str:
    if message["author_kind"] == "visitor":
        return "You"
    return str(message["author_name"] or ("Bot" if message["author_kind"] == "bot" else "Agent"))


def _message_text(message: dict[str, Any]) -> str:
    """The text a visitor saw; blocks without text are named by their kind ([image])."""
    parts = [message["text"]] if message["text"] else []
    for block in message["blocks"] or []:
        said = block.get("text") or block.get("title") or block.get("alt")
        parts.append(str(said) if said else f"[{block.get('type', 'block')}]")
    return "\n".join(parts)


def transcript(visitor_id: int) -> tuple[str, str, str]:
    """(subject, text, HTML) of every conversation of the visitor: what they saw in the widget
    (messages only: no internal notes, no annotations)."""
    visitor = get_visitor(visitor_id)
    site = db.session.get(Site, visitor.site_id)
    site_name = site.name if site else "the site"
    convs = db.session.execute(
        select(Conversation).where(Conversation.visitor_id == visitor_id).order_by(Conversation.id)
    ).scalars()
    text_parts: list[str] = [f"Your conversations with {site_name}", ""]
    html_parts: list[str] = [f"<h1>Your conversations with {escape(site_name)}</h1>"]
    count = 0
    for conv in convs:
        count += 1
        started = iso_utc(conv.created_at) or ""
        text_parts += [f"Conversation {count} (started {started})", ""]
        html_parts.append(
            f"<h2>Conversation {count} <small>(started {escape(started)})</small></h2><dl>"
        )
        msgs = db.session.execute(
            select(Message).where(Message.conversation_id == conv.id).order_by(Message.seq)
        ).scalars()
        for row in msgs:
            m = message_dict(row, for_visitor=True)
            who, said, at = _speaker(m), _message_text(m), m["created_at"] or ""
            text_parts.append(f"[{at}] {who}: {said}")
            html_parts.append(
                f"<dt>{escape(who)} <small>{escape(at)}</small></dt>"
                f"<dd>{escape(said).replace(chr(10), Markup('<br>'))}</dd>"
            )
        text_parts.append("")
        html_parts.append("</dl>")
    if not count:
        text_parts.append("You have no conversations.")
        html_parts.append("<p>You have no conversations.</p>")
    html = f"<!doctype html><html><body>{''.join(html_parts)}</body></html>"
    return f"Your chat transcript from {site_name}", "\n".join(text_parts) + "\n", html


def send_transcript(visitor_id: int, to: str) -> None:
    """The job: render the visitor's transcript now and mail it (a visitor erased meanwhile gets
    nothing)."""
    if db.session.get(Visitor, visitor_id) is None:
        return
    subject, text, html = transcript(visitor_id)
    mailer.deliver(to, subject, text, html)


def erase_own_history(visitor_id: int) -> list[str]:
    """The visitor deletes their history from the widget: the same erasure as an admin's
    (every plugin's erase hook, the core rows), audited as requested by the visitor; their
    sockets are closed (the widget then starts afresh)."""
    failed = erase_visitor(get_visitor(visitor_id), None, by_visitor=True)
    revocation.revoke("visitor", [visitor_id])
    return failed

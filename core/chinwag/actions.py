"""Every data change of a conversation happens here: validate, commit, then publish.

Events leave only after the transaction commits, so a client never sees a message that a
rollback could take back, and an acknowledgement always means "stored".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from chinwag_plugin_api import (
    AnalyticsEvent,
    AnalyticsSink,
    ConversationView,
    InboundProcessor,
    MessageDraft,
    MessageView,
    OutboundProcessor,
    Refused,
    Responder,
    VisitorRef,
)
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from chinwag import events as ev
from chinwag.blocks import validate_blocks
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.group_commit import Job
from chinwag.group_commit import available as group_commit_available
from chinwag.models import Conversation, InboxEvent, Message, Visitor
from chinwag.schemas import AgentConversationOut
from chinwag.state import OWNER_CACHE_LIMIT, state

log = logging.getLogger(__name__)

#: a stored message or conversation: an ORM instance, or (from the group commit) its columns as
#: attributes of a plain object
MessageRow = Message | SimpleNamespace
ConversationRow = Conversation | SimpleNamespace


@contextmanager
def write_transaction() -> Iterator[None]:
    """One short write transaction. On SQLite one writer at a time per process, and no green-thread
    switch can happen while the lock is held (no I/O but SQLite's own inside)."""
    sqlite = db.engine.dialect.name == "sqlite"
    writer = state().sqlite_writer
    if sqlite:
        writer.acquire()
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if sqlite:
            writer.release()


@dataclass(frozen=True)
class Actor:
    """Who acts: a visitor (``visitor_id``), an agent (``user_id``) or a bot (``plugin``)."""

    kind: str
    id: int | str
    site_id: int | None = None
    name: str | None = None

    @property
    def sender(self) -> str:
        return f"{self.kind}:{self.id}"


def now() -> datetime:
    return datetime.now(UTC)


def stored_now() -> datetime:
    """Now, as the database gives it back when the row is read (SQLite keeps no offset)."""
    value = now()
    return value.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else value


# -- serialisation ------------------------------------------------------------------------------

_agent_conversation_out = AgentConversationOut()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def message_dict(m: MessageRow) -> dict[str, Any]:
    """``MessageOut`` written out by hand: it runs for every delivery and every ack, and the
    marshmallow dump was a tenth of the server's time per message (same output, tested)."""
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "seq": m.seq,
        "client_msg_id": m.client_msg_id,
        "author_kind": m.author_kind,
        "author_name": m.author_name,
        "text": m.text,
        "blocks": None if m.blocks is None else [dict(b) for b in m.blocks],
        "annotations": None if m.annotations is None else dict(m.annotations),
        "created_at": _iso(m.created_at),
    }


def conversation_dict(c: ConversationRow, for_agent: bool = False) -> dict[str, Any]:
    """``ConversationOut`` by hand (it is in every visitor ack); agents' form nests the visitor."""
    if for_agent:
        return _agent_conversation_out.dump(c)  # type: ignore[no-any-return]
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
    }


def visitor_ref(v: Visitor) -> VisitorRef:
    return VisitorRef(
        id=v.id,
        site_id=v.site_id,
        external_id=v.external_id,
        verified=v.verified,
        attributes=dict(v.attributes or {}),
    )


def message_view(m: MessageRow) -> MessageView:
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
    )


# -- rooms --------------------------------------------------------------------------------------


def conversation_room(conversation_id: int) -> str:
    """Kept for callers of the first version; widget events now go to the visitor's room."""
    return f"conversation:{conversation_id}"


def agents_room(site_id: int | None = None) -> str:
    return "agents" if site_id is None else f"agents:site:{site_id}"


def visitor_room(visitor_id: int) -> str:
    return f"visitor:{visitor_id}"


# -- access -------------------------------------------------------------------------------------


def conversation_for(actor: Actor, conversation_id: int) -> Conversation:
    """The conversation if ``actor`` takes part in it; otherwise 404 (never reveal it exists)."""
    conv = db.session.get(Conversation, conversation_id)
    if conv is None:
        raise ApiError("not_found", "No such conversation.", 404)
    if actor.kind == "visitor" and conv.visitor_id != actor.id:
        raise ApiError("not_found", "No such conversation.", 404)
    return conv


# -- publishing ---------------------------------------------------------------------------------


def publish(event: str, payload: Mapping[str, Any], room: str, namespace: str) -> None:
    """Send to a room of this app in this and (with Redis) every other process."""
    state().server().server.emit(event, dict(payload), to=room, namespace=namespace)


def _inbox_event(site_id: int, kind: str, payload: dict[str, Any]) -> InboxEvent:
    row = InboxEvent(site_id=site_id, kind=kind, payload=payload)
    db.session.add(row)
    return row


def _publish_inbox(row: InboxEvent | SimpleNamespace) -> None:
    body = {"event_id": row.id, "kind": row.kind, "site_id": row.site_id, **row.payload}
    publish(ev.INBOX_EVENT, body, agents_room(), "/agent")


def track(name: str, site_id: int | None, visitor_id: int | None, **props: Any) -> None:
    """Deliver an analytics event to every enabled sink (after commit; failures isolated)."""
    host = state().plugins
    sinks = list(host.extensions(AnalyticsSink.namespace))
    if not sinks:
        return
    event = AnalyticsEvent(name, site_id, visitor_id, props, now())
    for record, sink in sinks:
        host.call(record, sink.track, state().context(record), event)


# -- messages -----------------------------------------------------------------------------------


def _process(draft: MessageDraft, namespace: str) -> MessageDraft:
    chinwag = state()
    host = chinwag.plugins
    for record, proc in host.extensions(namespace):
        result = host.call(
            record, proc.process, chinwag.context(record), draft, propagate=(Refused,)
        )
        if isinstance(result, MessageDraft):
            draft = result
    return draft


def _existing(conversation_id: int, sender: str, client_msg_id: str | None) -> Message | None:
    if client_msg_id is None:
        return None
    return db.session.execute(
        select(Message).where(
            Message.conversation_id == conversation_id,
            Message.sender == sender,
            Message.client_msg_id == client_msg_id,
        )
    ).scalar_one_or_none()


def _first_message_dup(visitor_id: int, sender: str, client_msg_id: str) -> Message | None:
    """The message that opened a conversation of this visitor with this idempotency key."""
    conv_id = db.session.execute(
        select(Conversation.id).where(
            Conversation.visitor_id == visitor_id,
            Conversation.opening_client_msg_id == client_msg_id,
        )
    ).scalar_one_or_none()
    return None if conv_id is None else _existing(conv_id, sender, client_msg_id)


def _validate_content(text: str, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    limit = state_config("CHINWAG_MAX_MESSAGE_CHARS")
    if len(text) > limit:
        raise ApiError("text_too_long", f"Messages are limited to {limit} characters.", 413)
    try:
        loaded = validate_blocks(blocks, state().block_types()) if blocks else []
    except ValidationError as err:
        raise ApiError("invalid_blocks", "A message block is invalid.", 400, err.messages) from None
    if not text.strip() and not loaded:
        raise ApiError("empty_message", "A message needs text or a block.", 400)
    return loaded


def state_config(key: str) -> Any:
    return current_app.config[key]


@dataclass(frozen=True)
class SendResult:
    message: MessageRow
    conversation: ConversationRow
    created: bool
    new_conversation: bool


# -- group commit (chinwag.group_commit) ------------------------------------------------------


def _owners() -> dict[int, tuple[int, int]]:
    """conversation id -> (visitor id, site id): facts that never change, cached per process."""
    cache = state().owners
    if len(cache) > OWNER_CACHE_LIMIT:
        cache.clear()
    return cache


def _owner(conversation_id: int) -> tuple[int, int] | None:
    cache = _owners()
    hit = cache.get(conversation_id)
    if hit is None:
        row = db.session.execute(
            select(Conversation.visitor_id, Conversation.site_id).where(
                Conversation.id == conversation_id
            )
        ).first()
        if row is None:
            return None
        hit = cache[conversation_id] = (row[0], row[1])
    return hit


def _send_grouped(
    actor: Actor,
    conversation_id: int,
    client_msg_id: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None,
    annotations: dict[str, Any] | None,
) -> SendResult | None:
    """A message to an existing conversation, stored by the group commit; None: not settled."""
    owner = _owner(conversation_id)
    if owner is None or (actor.kind == "visitor" and owner[0] != actor.id):
        return None  # _send_one answers not_found
    visitor_id = owner[0]
    text = text or ""
    loaded = _validate_content(text, list(blocks or []))
    draft = MessageDraft(
        conversation_id=conversation_id,
        author_kind=actor.kind,
        text=text,
        blocks=loaded,
        annotations=dict(annotations or {}),
        visitor_id=visitor_id,
    )
    try:
        draft = _process(
            draft,
            InboundProcessor.namespace if actor.kind == "visitor" else OutboundProcessor.namespace,
        )
    except Refused as exc:
        raise ApiError(exc.code, exc.message, exc.status) from None
    session = db.session
    if session.registry.has() and (session.new or session.dirty or session.deleted):
        # a hook changed data of its own (e.g. bound an upload to this conversation): store the
        # message in the same transaction as that change, on the one-message path
        return _send_one(actor, conversation_id, client_msg_id, text, blocks, annotations, draft)
    loaded = _validate_content(draft.text, draft.blocks)
    created = stored_now()
    values = {
        "conversation_id": conversation_id,
        "sender": actor.sender,
        "client_msg_id": client_msg_id,
        "author_kind": actor.kind,
        "author_user_id": int(actor.id) if actor.kind == "agent" else None,
        "author_name": actor.name,
        "text": draft.text,
        "blocks": loaded,
        "annotations": draft.annotations,
        "created_at": created,
    }
    job = Job(values, int(actor.id) if actor.kind == "visitor" else None)
    if not state().group_commit.submit(job):
        return None
    assert job.result is not None
    row, msg_id, inbox_id = job.result
    # the stored rows as plain attribute objects: building three ORM instances was ~30 us a message
    conv = SimpleNamespace(**row)
    msg = SimpleNamespace(id=msg_id, seq=row["last_seq"], **values)
    payload = {"conversation_id": conversation_id, "seq": msg.seq, "message_id": msg_id}
    inbox = SimpleNamespace(
        id=inbox_id, site_id=conv.site_id, kind="message.created", payload=payload
    )
    _delivered(actor, conv, msg, inbox, False)
    return SendResult(msg, conv, True, False)


def send_message(
    actor: Actor,
    conversation_id: int | None,
    client_msg_id: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    annotations: dict[str, Any] | None = None,
) -> SendResult:
    """Store one message exactly once and deliver it. Re-sending the same ``client_msg_id``
    returns the stored message and publishes nothing new.

    A message to an existing conversation takes the group-committed path (:class:`GroupCommit`);
    whatever it cannot settle on its own (a re-send, a closed or foreign conversation, a failed
    batch) is done again here by :func:`_send_one`, which gives the precise answer."""
    if conversation_id is not None and group_commit_available():
        result = _send_grouped(actor, conversation_id, client_msg_id, text, blocks, annotations)
        if result is not None:
            return result
    return _send_one(actor, conversation_id, client_msg_id, text, blocks, annotations)


def _send_one(
    actor: Actor,
    conversation_id: int | None,
    client_msg_id: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    annotations: dict[str, Any] | None = None,
    processed: MessageDraft | None = None,
) -> SendResult:
    """One message in its own transaction: opens conversations, finds re-sends, explains refusals.

    ``processed`` is a draft the processing hooks have already seen (they are not run twice)."""
    text = text or ""
    blocks = list(blocks or [])
    sender = actor.sender
    conv: Conversation | None = None
    if conversation_id is not None:
        conv = conversation_for(actor, conversation_id)
        dup = _existing(conv.id, sender, client_msg_id)
        if dup is not None:
            return SendResult(dup, conv, False, False)
        if conv.status == "closed" and actor.kind == "visitor":
            raise ApiError("conversation_closed", "This conversation has ended.", 409)
    elif actor.kind == "visitor":
        if client_msg_id:
            dup = _first_message_dup(int(actor.id), sender, client_msg_id)
            if dup is not None:
                return SendResult(dup, _conversation(dup.conversation_id), False, False)
    else:
        raise ApiError("conversation_required", "conversation_id is required.", 400)

    blocks = _validate_content(text, blocks)
    draft = MessageDraft(
        conversation_id=conv.id if conv else None,
        author_kind=actor.kind,
        text=text,
        blocks=blocks,
        annotations=dict(annotations or {}),
        visitor_id=conv.visitor_id if conv else int(actor.id),
        idempotency_key=client_msg_id,
    )
    if processed is not None:
        draft = processed
    else:
        try:
            draft = _process(
                draft,
                InboundProcessor.namespace
                if actor.kind == "visitor"
                else OutboundProcessor.namespace,
            )
        except Refused as exc:
            raise ApiError(exc.code, exc.message, exc.status) from None
    blocks = _validate_content(draft.text, draft.blocks)

    new_conversation = False
    try:
        with write_transaction():
            if conv is None:
                visitor = db.session.get(Visitor, int(actor.id))
                assert visitor is not None
                # the unique (visitor_id, opening_client_msg_id) makes a concurrent re-send of
                # the opening message fail here instead of opening a second conversation
                conv = Conversation(
                    site_id=visitor.site_id,
                    visitor_id=visitor.id,
                    opening_client_msg_id=client_msg_id,
                )
                db.session.add(conv)
                db.session.flush()
                new_conversation = True
            seq = db.session.execute(
                update(Conversation)
                .where(Conversation.id == conv.id)
                .values(last_seq=Conversation.last_seq + 1, updated_at=now())
                .returning(Conversation.last_seq)
            ).scalar_one()
            dup = _existing(conv.id, sender, client_msg_id)
            if dup is not None:
                raise _Duplicate(dup)
            msg = Message(
                conversation_id=conv.id,
                seq=seq,
                sender=sender,
                client_msg_id=client_msg_id,
                author_kind=actor.kind,
                author_user_id=int(actor.id) if actor.kind == "agent" else None,
                author_name=actor.name,
                text=draft.text,
                blocks=blocks,
                annotations=draft.annotations,
                created_at=now(),
            )
            db.session.add(msg)
            db.session.flush()
            payload = {"conversation_id": conv.id, "seq": seq, "message_id": msg.id}
            if new_conversation:
                inbox = _inbox_event(conv.site_id, "conversation.created", payload)
            else:
                inbox = _inbox_event(conv.site_id, "message.created", payload)
    except _Duplicate as d:
        return SendResult(d.message, conv, False, False)  # type: ignore[arg-type]
    except IntegrityError:
        existing = (
            _existing(conv.id, sender, client_msg_id)
            if conv is not None and conv.id is not None and not new_conversation
            else (
                _first_message_dup(int(actor.id), sender, client_msg_id) if client_msg_id else None
            )
        )
        if existing is None:
            raise
        return SendResult(existing, _conversation(existing.conversation_id), False, False)

    db.session.refresh(conv)
    _owners()[conv.id] = (conv.visitor_id, conv.site_id)
    _delivered(actor, conv, msg, inbox, new_conversation)
    return SendResult(msg, conv, True, new_conversation)


def _delivered(
    actor: Actor,
    conv: ConversationRow,
    msg: MessageRow,
    inbox: InboxEvent | SimpleNamespace,
    new_conversation: bool,
) -> None:
    """After commit: publish to the visitor's room and the agents, then analytics and bots."""
    body = message_dict(msg)
    # every socket of the visitor listens on the visitor's room (joined on connect)
    publish(ev.MESSAGE_NEW, {"message": body}, visitor_room(conv.visitor_id), "/widget")
    # agents get one frame per message: message.new carries the id of its inbox event, which
    # is sent on its own only when it says more (a conversation's first message)
    publish(ev.MESSAGE_NEW, {"message": body, "event_id": inbox.id}, agents_room(), "/agent")
    if inbox.kind != "message.created":
        _publish_inbox(inbox)
    track(
        "message.sent",
        conv.site_id,
        conv.visitor_id,
        author_kind=actor.kind,
        conversation_id=conv.id,
    )
    if new_conversation:
        track("conversation.started", conv.site_id, conv.visitor_id, conversation_id=conv.id)
    if actor.kind == "visitor":
        _run_responders(conv, msg)


def _conversation(conversation_id: int) -> Conversation:
    conv = db.session.get(Conversation, conversation_id)
    assert conv is not None
    return conv


class _Duplicate(Exception):
    def __init__(self, message: Message) -> None:
        self.message = message


def _run_responders(conv: ConversationRow, msg: MessageRow) -> None:
    """Let bots answer while no human holds the conversation; a hand-off stops them."""
    if conv.assignee_kind == "agent" or conv.status != "open":
        return
    chinwag = state()
    host = chinwag.plugins
    responders = list(host.extensions(Responder.namespace))
    if not responders:
        return
    if not isinstance(conv, Conversation):  # the group commit's row: load the conversation
        conv = _conversation(conv.id)
    view, mview = conversation_view(conv), message_view(msg)
    for record, responder in responders:
        reply = host.call(record, responder.respond, chinwag.context(record), view, mview)
        if reply is None:
            continue
        if reply.text or reply.blocks:
            bot = Actor("bot", record.name, conv.site_id, record.info.display_name)
            try:
                send_message(
                    bot, conv.id, f"re-{msg.id}-{record.name}"[:64], reply.text, list(reply.blocks)
                )
            except ApiError as exc:
                record.stats.failures += 1
                log.error("bot %s reply refused: %s", record.name, exc.message)
        if reply.handoff:
            hand_off(conv.id)
            return


def hand_off(conversation_id: int) -> Conversation:
    """A bot gives the conversation to humans: unassigned, bots stop answering."""
    with write_transaction():
        conv = db.session.get(Conversation, conversation_id)
        assert conv is not None
        conv.assignee_kind = "agent"
        conv.assignee_user_id = None
        conv.updated_at = now()
        inbox = _inbox_event(conv.site_id, "conversation.handoff", {"conversation_id": conv.id})
    _conversation_changed(conv, inbox)
    return conv


def _conversation_changed(conv: Conversation, inbox: InboxEvent | None) -> None:
    publish(
        ev.CONVERSATION_UPDATE,
        {"conversation": conversation_dict(conv)},
        visitor_room(conv.visitor_id),
        "/widget",
    )
    publish(
        ev.CONVERSATION_UPDATE,
        {"conversation": conversation_dict(conv, True)},
        agents_room(),
        "/agent",
    )
    if inbox is not None:
        _publish_inbox(inbox)


def messages_after(
    conv: Conversation, after_seq: int, limit: int = 200
) -> tuple[list[Message], bool]:
    """Messages with ``seq > after_seq`` in order; the flag says more remain (fetch again)."""
    rows = list(
        db.session.execute(
            select(Message)
            .where(Message.conversation_id == conv.id, Message.seq > after_seq)
            .order_by(Message.seq)
            .limit(limit + 1)
        ).scalars()
    )
    return rows[:limit], len(rows) > limit


def set_status(actor: Actor, conversation_id: int, status: str) -> Conversation:
    conv = conversation_for(actor, conversation_id)
    if conv.status == status:
        return conv
    with write_transaction():
        conv.status = status
        conv.updated_at = now()
        inbox = _inbox_event(
            conv.site_id,
            f"conversation.{'closed' if status == 'closed' else 'reopened'}",
            {"conversation_id": conv.id, "by": actor.sender},
        )
    _conversation_changed(conv, inbox)
    track(f"conversation.{status}", conv.site_id, conv.visitor_id, conversation_id=conv.id)
    return conv


def assign(actor: Actor, conversation_id: int, user_id: int | None) -> Conversation:
    conv = conversation_for(actor, conversation_id)
    with write_transaction():
        conv.assignee_user_id = user_id
        conv.assignee_kind = "agent" if user_id else None
        conv.updated_at = now()
        inbox = _inbox_event(
            conv.site_id, "conversation.assigned", {"conversation_id": conv.id, "user_id": user_id}
        )
    _conversation_changed(conv, inbox)
    return conv


def mark_read(actor: Actor, conversation_id: int, seq: int) -> Conversation:
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
    body = {"conversation_id": conv.id, "reader": actor.kind, "seq": seq}
    publish(ev.CONVERSATION_READ, body, visitor_room(conv.visitor_id), "/widget")
    publish(ev.CONVERSATION_READ, body, agents_room(), "/agent")
    return conv

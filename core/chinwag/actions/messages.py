"""The send pipeline: validate, run processors, store exactly once, then emit ``message.stored``.

A message to an existing conversation takes the group-committed path (:mod:`chinwag.group_commit`);
whatever that path cannot settle on its own (a re-send, a closed or foreign conversation, a failed
batch, a conversation's first message) is done by :func:`_send_one` in a transaction of its own,
which gives the precise answer. Either way, the events leave after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from chinwag_plugin_api import MessageDraft
from chinwag_plugin_api.events import ConversationOpened, Event, MessageStored
from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from chinwag import access
from chinwag import events as ev
from chinwag.actions import message_hooks as hooks
from chinwag.actions.base import (
    Actor,
    config,
    conversation_for,
    emit,
    inbox_event,
    now,
    stored_now,
    write_transaction,
)
from chinwag.actions.views import message_view, stored_message
from chinwag.blocks import validate_blocks
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.group_commit import Job
from chinwag.group_commit import available as group_commit_available
from chinwag.models import Conversation, InboxEvent, Message, Visitor
from chinwag.state import state
from chinwag.store import reads

#: a stored message or conversation: an ORM instance, or (from the group commit) its columns as
#: attributes of a plain object
MessageRow = Message | SimpleNamespace
ConversationRow = Conversation | SimpleNamespace


@dataclass(frozen=True)
class SendResult:
    message: MessageRow
    conversation: ConversationRow
    created: bool
    new_conversation: bool


def _existing(conversation_id: int, sender: str, client_msg_id: str | None) -> Message | None:
    return reads.by_client_id(conversation_id, sender, client_msg_id)


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
    limit = config("CHINWAG_MAX_MESSAGE_CHARS")
    if len(text) > limit:
        raise ApiError("text_too_long", f"Messages are limited to {limit} characters.", 413)
    try:
        loaded = validate_blocks(blocks, state().block_types()) if blocks else []
    except ValidationError as err:
        raise ApiError("invalid_blocks", "A message block is invalid.", 400, err.messages) from None
    if not text.strip() and not loaded:
        raise ApiError("empty_message", "A message needs text or a block.", 400)
    return loaded


def _resent(conversation_id: int, sender: str, client_msg_id: str) -> bool:
    found = state().group_commit.resent(conversation_id, sender, client_msg_id)
    if found is None:  # the batched lookup failed: ask on the session
        return reads.is_stored(conversation_id, sender, client_msg_id)
    return found


def _send_grouped(
    actor: Actor,
    conversation_id: int,
    client_msg_id: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None,
    annotations: dict[str, Any] | None,
) -> SendResult | None:
    """A message to an existing conversation, stored by the group commit (or, when the batch
    cannot settle it, by :func:`_send_one` with the draft already processed); None: the
    conversation is unknown or not the visitor's (:func:`_send_one` gives the answer)."""
    owner = access.owner(conversation_id)
    if owner is None or not access.may_see(actor, owner[1], owner[0]):
        return None  # _send_one answers not_found
    visitor_id, site_id = owner
    if (
        client_msg_id is not None
        and hooks.has_processors(actor)
        and _resent(conversation_id, actor.sender, client_msg_id)
    ):
        # a re-send: answered from the store, the processors never see it again
        return _send_one(actor, conversation_id, client_msg_id, text, blocks, annotations)
    text = text or ""
    loaded = _validate_content(text, list(blocks or []))
    processed = hooks.process(
        actor,
        MessageDraft(
            conversation_id=conversation_id,
            author_kind=actor.kind,
            text=text,
            blocks=loaded,
            annotations=dict(annotations or {}),
            visitor_id=visitor_id,
            idempotency_key=client_msg_id,
        ),
    )
    if processed.deferred:
        # a processor writes beside the message (ctx.in_message_transaction): one ORM
        # transaction stores both, on the one-message path
        return _send_one(
            actor, conversation_id, client_msg_id, text, blocks, annotations, processed
        )
    draft = processed.draft
    loaded = _validate_content(draft.text, draft.blocks)
    values = {
        **_visitor_copy(processed),
        "conversation_id": conversation_id,
        "sender": actor.sender,
        "client_msg_id": client_msg_id,
        "author_kind": actor.kind,
        "author_user_id": int(actor.id) if actor.kind == "agent" else None,
        "author_name": actor.name,
        "text": draft.text,
        "blocks": loaded,
        "annotations": draft.annotations,
        "created_at": stored_now(),
    }
    job = Job(values, int(actor.id) if actor.kind == "visitor" else None)
    if not state().group_commit.submit(job):
        # not settled by the batch (a re-send, closed, failed): the processors have run once
        return _send_one(
            actor, conversation_id, client_msg_id, text, blocks, annotations, processed
        )
    assert job.result is not None
    row, msg_id, inbox_id = job.result
    # the stored rows as plain attribute objects: building ORM instances was ~30 us a message
    conv = SimpleNamespace(**row)
    msg = SimpleNamespace(id=msg_id, seq=row["last_seq"], **values)
    emit(
        MessageStored(
            site_id=site_id,
            conversation_id=conversation_id,
            visitor_id=visitor_id,
            message=stored_message(msg),
            inbox_event_id=inbox_id,
        )
    )
    return SendResult(msg, conv, True, False)


def _visitor_copy(processed: hooks.Processed) -> dict[str, Any]:
    """The visitor's own copy of a message an ``AgentView`` masked for agents (else None)."""
    mine = processed.visitor
    if mine is None:
        return {"visitor_text": None, "visitor_blocks": None}
    return {"visitor_text": mine.text, "visitor_blocks": _validate_content(mine.text, mine.blocks)}


def send_message(
    actor: Actor,
    conversation_id: int | None,
    client_msg_id: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    annotations: dict[str, Any] | None = None,
) -> SendResult:
    """Store one message exactly once and emit it. Re-sending the same ``client_msg_id``
    returns the stored message and emits nothing new."""
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
    processed: hooks.Processed | None = None,
) -> SendResult:
    """One message in its own transaction: opens conversations, finds re-sends, explains refusals.

    ``processed`` is what the processors already made of this message (they never run twice);
    its deferred writes run in this transaction, after the message row is flushed."""
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
    if processed is None:
        processed = hooks.process(
            actor,
            MessageDraft(
                conversation_id=conv.id if conv else None,
                author_kind=actor.kind,
                text=text,
                blocks=blocks,
                annotations=dict(annotations or {}),
                visitor_id=conv.visitor_id if conv else int(actor.id),
                idempotency_key=client_msg_id,
            ),
        )
    draft = processed.draft
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
                **_visitor_copy(processed),
            )
            db.session.add(msg)
            db.session.flush()
            if processed.deferred:
                hooks.run_deferred(processed, message_view(msg))
            payload = {"conversation_id": conv.id, "seq": seq, "message_id": msg.id}
            kind = ev.INBOX_CONVERSATION_CREATED if new_conversation else ev.INBOX_MESSAGE_CREATED
            inbox = inbox_event(conv.site_id, kind, payload)
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
    state().owners[conv.id] = (conv.visitor_id, conv.site_id)
    emit(*_stored_events(conv, msg, inbox, new_conversation))
    return SendResult(msg, conv, True, new_conversation)


def _stored_events(
    conv: Conversation, msg: Message, inbox: InboxEvent, new_conversation: bool
) -> list[Event]:
    events: list[Event] = [
        MessageStored(
            site_id=conv.site_id,
            conversation_id=conv.id,
            visitor_id=conv.visitor_id,
            message=stored_message(msg),
            new_conversation=new_conversation,
            inbox_event_id=inbox.id,
        )
    ]
    if new_conversation:
        events.append(
            ConversationOpened(
                site_id=conv.site_id,
                conversation_id=conv.id,
                visitor_id=conv.visitor_id,
                by=msg.sender,
                inbox_event_id=inbox.id,
            )
        )
    return events


def _conversation(conversation_id: int) -> Conversation:
    conv = db.session.get(Conversation, conversation_id)
    assert conv is not None
    return conv


class _Duplicate(Exception):
    def __init__(self, message: Message) -> None:
        self.message = message


def messages_after(
    conv: Conversation, after_seq: int, limit: int = 200
) -> tuple[list[Message], bool]:
    """Messages with ``seq > after_seq`` in order; the flag says more remain (fetch again)."""
    return reads.since(conv.id, after_seq, limit)

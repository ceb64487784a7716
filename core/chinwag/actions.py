"""Every data change of a conversation happens here: validate, commit, then publish.

Events leave only after the transaction commits, so a client never sees a message that a
rollback could take back, and an acknowledgement always means "stored".
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

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
from marshmallow import ValidationError
from sqlalchemy import Connection, Table, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from chinwag import events as ev
from chinwag.app import state
from chinwag.blocks import validate_blocks
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation, InboxEvent, Message, Visitor
from chinwag.schemas import AgentConversationOut

log = logging.getLogger(__name__)

_sqlite_writer = threading.Lock()


@contextmanager
def write_transaction() -> Iterator[None]:
    """One short write transaction. On SQLite one writer at a time per process, and no green-thread
    switch can happen while the lock is held (no I/O but SQLite's own inside)."""
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        _sqlite_writer.acquire()
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if sqlite:
            _sqlite_writer.release()


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


# -- serialisation ------------------------------------------------------------------------------

_agent_conversation_out = AgentConversationOut()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def message_dict(m: Message) -> dict[str, Any]:
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


def conversation_dict(c: Conversation, for_agent: bool = False) -> dict[str, Any]:
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


def message_view(m: Message) -> MessageView:
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
    from chinwag.realtime import emit

    emit(event, dict(payload), room=room, namespace=namespace)


def _inbox_event(site_id: int, kind: str, payload: dict[str, Any]) -> InboxEvent:
    row = InboxEvent(site_id=site_id, kind=kind, payload=payload)
    db.session.add(row)
    return row


def _publish_inbox(row: InboxEvent) -> None:
    body = {"event_id": row.id, "kind": row.kind, "site_id": row.site_id, **row.payload}
    publish(ev.INBOX_EVENT, body, agents_room(), "/agent")


def track(name: str, site_id: int | None, visitor_id: int | None, **props: Any) -> None:
    """Deliver an analytics event to every enabled sink (after commit; failures isolated)."""
    host = state().plugins
    event = AnalyticsEvent(name, site_id, visitor_id, props, now())
    from chinwag.plugins.context import context_for

    for record, sink in host.extensions(AnalyticsSink.namespace):
        host.call(record, sink.track, context_for(record), event)


# -- messages -----------------------------------------------------------------------------------


def _process(draft: MessageDraft, namespace: str) -> MessageDraft:
    host = state().plugins
    from chinwag.plugins.context import context_for

    for record, proc in host.extensions(namespace):
        result = host.call(record, proc.process, context_for(record), draft, propagate=(Refused,))
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
    from flask import current_app

    return current_app.config[key]


@dataclass(frozen=True)
class SendResult:
    message: Message
    conversation: Conversation
    created: bool
    new_conversation: bool


# -- group commit -------------------------------------------------------------------------------


def _fast_dialect() -> Any:
    """The dialect's ``INSERT .. ON CONFLICT DO NOTHING`` (PostgreSQL, SQLite), else None."""
    name = db.engine.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    return None


def _owners() -> dict[int, tuple[int, int]]:
    """conversation id -> (visitor id, site id): facts that never change, cached per process."""
    from flask import current_app

    cache: dict[int, tuple[int, int]] = current_app.extensions.setdefault(
        "chinwag_conversation_owners", {}
    )
    if len(cache) > 100_000:
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


@dataclass(eq=False)
class _Job:
    """One message waiting for a group commit; ``result`` is set once it is committed."""

    values: dict[str, Any]
    #: a visitor may only write to an open conversation of their own (checked in the UPDATE)
    visitor_id: int | None
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: tuple[dict[str, Any], int, int] | None = None


class GroupCommit:
    """Stores concurrent messages of this process in one transaction (group commit).

    The first sender to arrive leads: it writes every message waiting at that moment in one
    transaction and commits once; messages that arrive meanwhile wait and form the next batch,
    led by the first of them. At low load a batch is one message and nothing waits; under load
    one commit (and, on SQLite, one turn of the single writer) serves many messages. Nobody is
    acknowledged before the commit that stored their message. Within a batch rows are locked in
    conversation order, so two processes' batches cannot deadlock.
    """

    MAX_BATCH = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Job] = []
        self._busy = False
        self._conn: Connection | None = None
        self._raw: Any = None
        self.batches = 0
        self.messages = 0

    def submit(self, job: _Job) -> bool:
        """Wait until ``job`` is committed (True) or must be stored on its own (False)."""
        with self._lock:
            self._pending.append(job)
            if not self._busy:
                self._busy = job.lead = True
        if not job.lead:
            job.done.wait()
        if job.lead:  # led from the start, or handed the lead by the batch before
            self._lead()
        return job.result is not None

    def _lead(self) -> None:
        with self._lock:
            batch = self._pending[: self.MAX_BATCH]
            del self._pending[: self.MAX_BATCH]
        try:
            self._write(batch)
        except Exception:
            log.exception("group commit of %d messages failed; storing them one by one", len(batch))
        finally:
            with self._lock:
                following = self._pending[0] if self._pending else None
                if following is None:
                    self._busy = False
                else:
                    following.lead = True
            for job in batch:
                job.done.set()
            if following is not None:
                following.done.set()

    def _write(self, batch: list[_Job]) -> None:
        ordered = sorted(batch, key=lambda j: j.values["conversation_id"])  # stable
        engine = db.engine
        if engine.dialect.name == "postgresql":
            results = self._with_raw(engine, lambda raw: _write_pg(raw, ordered))
        else:
            with _sqlite_writer:  # one writer at a time, no green-thread switch inside
                results = self._with_conn(engine, ordered)
        for job, result in zip(ordered, results, strict=True):
            job.result = result
        self.batches += 1
        self.messages += len(batch)

    # one connection of the group commit's own, kept between batches: no session, no checkout
    # (and pre-ping) per batch; only one leader writes at a time

    def _with_conn(self, engine: Any, ordered: list[_Job]) -> list[Any]:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = engine.connect()
        conn = self._conn
        try:
            with conn.begin():
                return [_store(conn, job) for job in ordered]
        except BaseException:
            conn.close()  # rolled back; the next batch starts on a fresh connection
            self._conn = None
            raise

    def _with_raw(self, engine: Any, write: Callable[[Any], list[Any]]) -> list[Any]:
        if self._raw is None:
            self._raw = engine.raw_connection()
        raw = self._raw
        try:
            return write(raw)
        except BaseException:
            self._raw = None
            with contextlib.suppress(Exception):
                raw.invalidate()  # never reuse a connection in an unknown state
            raise


def group_commit() -> GroupCommit:
    from flask import current_app

    gc: GroupCommit | None = current_app.extensions.get("chinwag_group_commit")
    if gc is None:
        gc = current_app.extensions["chinwag_group_commit"] = GroupCommit()
    return gc


_CONV_T = cast(Table, Conversation.__table__)
_MSG_T = cast(Table, Message.__table__)
_INBOX_T = cast(Table, InboxEvent.__table__)
_CONV = _CONV_T.c
_MSG = _MSG_T.c


def _store(conn: Any, job: _Job) -> tuple[dict[str, Any], int, int] | None:
    """Take the next seq, insert the message and its inbox event; None sends it the slow way
    (not the visitor's, closed, or a re-sent ``client_msg_id``), leaving no trace."""
    cid = job.values["conversation_id"]
    cond = [_CONV.id == cid]
    if job.visitor_id is not None:
        cond += [_CONV.visitor_id == job.visitor_id, _CONV.status != "closed"]
    row = (
        conn.execute(
            update(_CONV_T)
            .where(*cond)
            .values(last_seq=_CONV.last_seq + 1, updated_at=now())
            .returning(*_CONV)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    insert_ignore = _fast_dialect()
    msg_id = conn.execute(
        insert_ignore(_MSG_T)
        .values(**job.values, seq=row["last_seq"])
        .on_conflict_do_nothing(index_elements=["conversation_id", "sender", "client_msg_id"])
        .returning(_MSG.id)
    ).scalar()
    if msg_id is None:  # a re-send: give the seq back (the row is locked by this transaction)
        _give_back_seq(conn, cid)
        return None
    payload = {"conversation_id": cid, "seq": row["last_seq"], "message_id": msg_id}
    inbox_id = conn.execute(
        insert(_INBOX_T)
        .values(site_id=row["site_id"], kind="message.created", payload=payload, created_at=now())
        .returning(_INBOX_T.c.id)
    ).scalar_one()
    return dict(row), int(msg_id), int(inbox_id)


def _give_back_seq(conn: Any, conversation_id: int) -> None:
    conn.execute(
        update(_CONV_T).where(_CONV.id == conversation_id).values(last_seq=_CONV.last_seq - 1)
    )


_STORE_PG_SQL = """
WITH d AS (
    SELECT 1 FROM messages WHERE conversation_id = %(conversation_id)s
    AND sender = %(sender)s AND client_msg_id = %(client_msg_id)s
), c AS (
    UPDATE conversations SET last_seq = last_seq + 1, updated_at = %(now)s
    WHERE id = %(conversation_id)s {owner} AND NOT EXISTS (SELECT 1 FROM d)
    RETURNING *
), m AS (
    INSERT INTO messages (conversation_id, seq, sender, client_msg_id, author_kind,
                          author_user_id, author_name, text, blocks, annotations, created_at)
    SELECT c.id, c.last_seq, CAST(%(sender)s AS text), CAST(%(client_msg_id)s AS text),
           CAST(%(author_kind)s AS text), CAST(%(author_user_id)s AS integer),
           CAST(%(author_name)s AS text), CAST(%(text)s AS text), CAST(%(blocks)s AS json),
           CAST(%(annotations)s AS json), %(created_at)s
    FROM c
    RETURNING id, seq
), i AS (
    INSERT INTO inbox_events (site_id, kind, payload, created_at)
    SELECT c.site_id, 'message.created',
           json_build_object('conversation_id', c.id, 'seq', m.seq, 'message_id', m.id), %(now)s
    FROM c, m
    RETURNING id
)
SELECT c.*, m.id AS message_id, i.id AS inbox_id FROM c JOIN m ON true JOIN i ON true
"""
#: PostgreSQL: the seq, the message and its inbox event in one statement; a re-send (``d``)
#: takes no seq. A visitor only writes to an open conversation of their own.
_STORE_PG = _STORE_PG_SQL.format(owner="")
_STORE_PG_VISITOR = _STORE_PG_SQL.format(
    owner="AND visitor_id = %(visitor_id)s AND status <> 'closed'"
)
_CONV_NAMES = tuple(col.name for col in _CONV_T.c)


def _write_pg(raw: Any, ordered: list[_Job]) -> list[tuple[dict[str, Any], int, int] | None]:
    """The whole batch in one pipeline (statements and COMMIT sent together): under gevent every
    round trip lets every other runnable greenlet run before the batch goes on."""
    from psycopg.rows import dict_row

    conn = raw.driver_connection
    now_ = now()
    rows: list[dict[str, Any] | None] = []
    with conn.pipeline(), conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # consecutive jobs with the same statement go in one executemany
        start = 0
        while start < len(ordered):
            visitor = ordered[start].visitor_id is not None
            end = start
            while end < len(ordered) and (ordered[end].visitor_id is not None) == visitor:
                end += 1
            params = [_pg_params(job, now_) for job in ordered[start:end]]
            cur.executemany(_STORE_PG_VISITOR if visitor else _STORE_PG, params, returning=True)
            for _ in range(end - start):
                rows.append(cur.fetchone())
                cur.nextset()
            start = end
    results: list[tuple[dict[str, Any], int, int] | None] = []
    for row in rows:
        if row is None:
            results.append(None)
        else:
            conv = {name: row[name] for name in _CONV_NAMES}
            results.append((conv, int(row["message_id"]), int(row["inbox_id"])))
    return results


def _pg_params(job: _Job, now_: datetime) -> dict[str, Any]:
    values = job.values
    return {
        **values,
        "blocks": _json_dumps(values["blocks"]),
        "annotations": _json_dumps(values["annotations"]),
        "now": now_,
        "visitor_id": job.visitor_id,
    }


def _json_dumps(obj: Any) -> str:
    import orjson

    return orjson.dumps(obj).decode()


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
    if db.session.new or db.session.dirty or db.session.deleted:
        # a hook changed data of its own (e.g. bound an upload to this conversation): store the
        # message in the same transaction as that change, on the one-message path
        return _send_one(actor, conversation_id, client_msg_id, text, blocks, annotations, draft)
    loaded = _validate_content(draft.text, draft.blocks)
    created = now()
    if db.engine.dialect.name == "sqlite":
        created = created.replace(tzinfo=None)  # what SQLite gives back when the row is read
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
    job = _Job(values, int(actor.id) if actor.kind == "visitor" else None)
    if not group_commit().submit(job):
        return None
    assert job.result is not None
    row, msg_id, inbox_id = job.result
    conv = Conversation(**row)
    msg = Message(id=msg_id, seq=row["last_seq"], **values)
    payload = {"conversation_id": conversation_id, "seq": msg.seq, "message_id": msg_id}
    inbox = InboxEvent(id=inbox_id, site_id=conv.site_id, kind="message.created", payload=payload)
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
    if conversation_id is not None and _fast_dialect() is not None:
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
    actor: Actor, conv: Conversation, msg: Message, inbox: InboxEvent, new_conversation: bool
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


def _run_responders(conv: Conversation, msg: Message) -> None:
    """Let bots answer while no human holds the conversation; a hand-off stops them."""
    if conv.assignee_kind == "agent" or conv.status != "open":
        return
    host = state().plugins
    from chinwag.plugins.context import context_for

    responders = list(host.extensions(Responder.namespace))
    if not responders:
        return
    if inspect(conv).transient:  # built from the group commit's RETURNING row: load it
        conv = _conversation(conv.id)
    view, mview = conversation_view(conv), message_view(msg)
    for record, responder in responders:
        reply = host.call(record, responder.respond, context_for(record), view, mview)
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

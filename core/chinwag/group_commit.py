"""Group commit: the messages that arrive together are stored in one transaction.

The first sender to arrive leads: it writes every message waiting at that moment in one
transaction and commits once; messages that arrive meanwhile wait and form the next batch, led by
the first of them. At low load a batch is one message and nothing waits; under load one commit
(and, on SQLite, one turn of the single writer) serves many messages. Nobody is acknowledged
before the commit that stored their message. Within a batch rows are locked in conversation
order, so two processes' batches cannot deadlock.

Each database gets a writer on its own driver (no ORM, no SQL built per message): SQLAlchemy's
statement building was over half of the server's time per message on SQLite in bench/realtime.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from sqlalchemy import Column, Dialect, Table

from chinwag import events as ev
from chinwag.extensions import db
from chinwag.models import Conversation, InboxEvent, Message

log = logging.getLogger(__name__)

#: (the conversation row after this message, the message id, the inbox event id)
Stored = tuple[dict[str, Any], int, int]

_CONV_T = cast(Table, Conversation.__table__)
_MSG_T = cast(Table, Message.__table__)
_INBOX_T = cast(Table, InboxEvent.__table__)
CONVERSATION_COLUMNS = tuple(col.name for col in _CONV_T.c)


def available() -> bool:
    """Whether messages to existing conversations can be group-committed on this database."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return True
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


@dataclass(eq=False)
class Job:
    """One message waiting for a group commit; ``result`` is set once it is committed."""

    values: dict[str, Any]
    #: a visitor may only write to an open conversation of their own (checked in the batch)
    visitor_id: int | None
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: Stored | None = None


class GroupCommit:
    """Stores concurrent messages of this process in one transaction (see the module); one per
    app, kept in :class:`chinwag.state.ChinwagState` with the app's SQLite writer lock."""

    MAX_BATCH = 256

    def __init__(self, sqlite_writer: threading.Lock) -> None:
        self.sqlite_writer = sqlite_writer
        self._lock = threading.Lock()
        self._pending: list[Job] = []
        self._busy = False
        self._raw: Any = None
        self._sqlite: SqliteBatch | None = None
        self.batches = 0
        self.messages = 0

    def submit(self, job: Job) -> bool:
        """Wait until ``job`` is committed (True) or must be stored on its own (False: not the
        visitor's, closed, a re-sent ``client_msg_id``, or the batch failed)."""
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
            # the next leader runs first: its batch goes to the database while this batch's
            # senders publish and acknowledge (woken in order, they would otherwise all finish
            # before the next write started, leaving the database idle meanwhile)
            if following is not None:
                following.done.set()
            for job in batch:
                job.done.set()

    def _write(self, batch: list[Job]) -> None:
        ordered = sorted(batch, key=lambda j: j.values["conversation_id"])  # stable
        engine = db.engine
        if engine.dialect.name == "postgresql":
            results = self._with_raw(engine, lambda raw: write_pg(raw.driver_connection, ordered))
        else:
            if self._sqlite is None:
                self._sqlite = SqliteBatch(engine.dialect)
            write = self._sqlite.write
            with self.sqlite_writer:
                results = self._with_raw(engine, lambda raw: write(raw.driver_connection, ordered))
        for job, result in zip(ordered, results, strict=True):
            job.result = result
        self.batches += 1
        self.messages += len(batch)

    def _with_raw(self, engine: Any, write: Callable[[Any], list[Any]]) -> list[Any]:
        """Run ``write`` on the group commit's own connection, kept between batches (no session,
        no check-out or pre-ping per batch; only one leader writes at a time)."""
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


def _now() -> datetime:
    return datetime.now(UTC)


# -- PostgreSQL ---------------------------------------------------------------------------------

_STORE_PG = """
WITH j AS (
    SELECT * FROM unnest(
        %(ord)s::int[], %(conversation_id)s::int[], %(sender)s::text[], %(client_msg_id)s::text[],
        %(author_kind)s::text[], %(author_user_id)s::int[], %(author_name)s::text[],
        %(text)s::text[], %(blocks)s::text[], %(annotations)s::text[],
        %(created_at)s::timestamptz[], %(visitor_id)s::int[]
    ) AS j(ord, conversation_id, sender, client_msg_id, author_kind, author_user_id,
           author_name, text, blocks, annotations, created_at, visitor_id)
), first AS (  -- a key sent twice in one batch: its first copy only
    SELECT *, row_number() OVER (
        PARTITION BY conversation_id, sender, client_msg_id ORDER BY ord) AS copy
    FROM j
), locked AS (
    SELECT id, visitor_id, status FROM conversations
    WHERE id = ANY(%(conversation_id)s::int[]) ORDER BY id FOR UPDATE
), ok AS (
    SELECT j.*, row_number() OVER (PARTITION BY j.conversation_id ORDER BY j.ord) AS k
    FROM first AS j JOIN locked ON locked.id = j.conversation_id
    WHERE (j.visitor_id IS NULL OR (locked.visitor_id = j.visitor_id AND locked.status <> 'closed'))
    AND (j.client_msg_id IS NULL OR j.copy = 1)
    AND NOT EXISTS (
        SELECT 1 FROM messages AS m WHERE m.conversation_id = j.conversation_id
        AND m.sender = j.sender AND m.client_msg_id = j.client_msg_id)
), n AS (
    SELECT conversation_id, CAST(count(*) AS int) AS added FROM ok GROUP BY conversation_id
), c AS (
    UPDATE conversations SET last_seq = conversations.last_seq + n.added, updated_at = %(now)s
    FROM n WHERE conversations.id = n.conversation_id
    RETURNING conversations.*, n.added
), m AS (
    INSERT INTO messages (conversation_id, seq, sender, client_msg_id, author_kind,
                          author_user_id, author_name, text, blocks, annotations, created_at)
    SELECT ok.conversation_id, c.last_seq - c.added + ok.k, ok.sender, ok.client_msg_id,
           ok.author_kind, ok.author_user_id, ok.author_name, ok.text,
           CAST(ok.blocks AS json), CAST(ok.annotations AS json), ok.created_at
    FROM ok JOIN c ON c.id = ok.conversation_id
    ORDER BY ok.ord
    RETURNING id, conversation_id, seq
), i AS (
    INSERT INTO inbox_events (site_id, kind, payload, created_at)
    SELECT c.site_id, CAST(%(inbox_kind)s AS text),
           json_build_object('conversation_id', m.conversation_id, 'seq', m.seq, 'message_id', m.id),
           %(now)s
    FROM m JOIN c ON c.id = m.conversation_id
    ORDER BY m.id
    RETURNING id, CAST(payload->>'message_id' AS int) AS message_id
)
SELECT ok.ord, c.*, m.id AS message_id, m.seq AS message_seq, i.id AS inbox_id
FROM ok
JOIN c ON c.id = ok.conversation_id
JOIN m ON m.conversation_id = ok.conversation_id AND m.seq = c.last_seq - c.added + ok.k
JOIN i ON i.message_id = m.id
"""
#: PostgreSQL: the whole batch is one statement (one round trip, atomic without a transaction
#: block; under gevent every round trip waits for a turn of the event loop). Conversations are
#: locked in id order (two processes' batches cannot deadlock) and their latest status is checked;
#: a re-send (stored, or earlier in the batch), a closed or foreign conversation is not stored and
#: takes no seq. Each conversation's seqs follow on from its ``last_seq`` in the batch's order.
_PG_ARRAYS = (
    "conversation_id",
    "sender",
    "client_msg_id",
    "author_kind",
    "author_user_id",
    "author_name",
    "text",
    "created_at",
)


def write_pg(conn: Any, ordered: list[Job]) -> list[Stored | None]:
    """The batch in one statement on the group commit's own connection (autocommit)."""
    from psycopg.rows import dict_row

    if not conn.autocommit:
        conn.autocommit = True
        # this connection runs only the statement above, prepared once: a plan made while the
        # tables were small scanned them whole (looking for re-sends) ever after, and PostgreSQL's
        # CPU per batch grew with the messages table. Every lookup it makes has an index.
        conn.execute("SET enable_seqscan = off")
    params: dict[str, Any] = {name: [job.values[name] for job in ordered] for name in _PG_ARRAYS}
    params["ord"] = list(range(len(ordered)))
    params["blocks"] = [orjson.dumps(job.values["blocks"]).decode() for job in ordered]
    params["annotations"] = [orjson.dumps(job.values["annotations"]).decode() for job in ordered]
    params["visitor_id"] = [job.visitor_id for job in ordered]
    params["now"] = _now()
    params["inbox_kind"] = ev.INBOX_MESSAGE_CREATED
    with conn.cursor(row_factory=dict_row) as cur:
        # small batches reuse one prepared plan; large ones are planned for their size (a plan
        # made for a few rows joins hundreds with nested loops)
        cur.execute(_STORE_PG, params, prepare=None if len(ordered) <= 32 else False)
        rows = cur.fetchall()
    results: list[Stored | None] = [None] * len(ordered)
    for row in rows:
        conv = {name: row[name] for name in CONVERSATION_COLUMNS}
        conv["last_seq"] = row["message_seq"]  # the conversation as this message left it
        results[row["ord"]] = (conv, int(row["message_id"]), int(row["inbox_id"]))
    return results


# -- SQLite -------------------------------------------------------------------------------------

#: the model's own column names; ids are always bound parameters
_SQLITE_CONVERSATIONS = f"SELECT {', '.join(CONVERSATION_COLUMNS)} FROM conversations WHERE id IN "  # noqa: S608
_SQLITE_RESENT = (
    "SELECT 1 FROM messages WHERE conversation_id = ? AND sender = ? AND client_msg_id = ?"
)
_SQLITE_MESSAGE = (
    "INSERT INTO messages (conversation_id, seq, sender, client_msg_id, author_kind, "
    "author_user_id, author_name, text, blocks, annotations, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_INBOX = "INSERT INTO inbox_events (site_id, kind, payload, created_at) VALUES (?, ?, ?, ?)"
_SQLITE_SEQ = "UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?"


def _bind(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process or (lambda value: value)


def _result(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return process or (lambda value: value)


class SqliteBatch:
    """The batch on the ``sqlite3`` driver, in one ``BEGIN IMMEDIATE`` transaction: the write lock
    first, then the conversations read once, seqs counted here, one INSERT per message and inbox
    event, one UPDATE per conversation. Values are written by SQLAlchemy's own type processors,
    so rows read back through the ORM are the same as rows it wrote."""

    def __init__(self, dialect: Dialect) -> None:
        self.time_in = _bind(_CONV_T.c.updated_at, dialect)
        self.time_out = _result(_CONV_T.c.updated_at, dialect)
        self.json_in = _bind(_MSG_T.c.blocks, dialect)
        self.payload_in = _bind(_INBOX_T.c.payload, dialect)

    def write(self, conn: Any, ordered: list[Job]) -> list[Stored | None]:
        stamp = _now()
        stamp_in, stamp_out = self.time_in(stamp), stamp.replace(tzinfo=None)
        ids = sorted({job.values["conversation_id"] for job in ordered})
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.cursor()
            convs: dict[int, dict[str, Any]] = {}
            marks = f"({', '.join('?' * len(ids))})"
            for row in cur.execute(_SQLITE_CONVERSATIONS + marks, ids):
                conv = dict(zip(CONVERSATION_COLUMNS, row, strict=True))
                conv["created_at"] = self.time_out(conv["created_at"])
                conv["updated_at"] = self.time_out(conv["updated_at"])
                convs[conv["id"]] = conv
            keys: set[tuple[int, str, str]] = set()
            touched: set[int] = set()
            results: list[Stored | None] = []
            for job in ordered:
                stored = self._one(cur, job, convs, keys, stamp_in, stamp_out)
                if stored is not None:
                    touched.add(stored[0]["id"])
                results.append(stored)
            cur.executemany(
                _SQLITE_SEQ, [(convs[cid]["last_seq"], stamp_in, cid) for cid in sorted(touched)]
            )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return results

    def _one(
        self,
        cur: Any,
        job: Job,
        convs: dict[int, dict[str, Any]],
        keys: set[tuple[int, str, str]],
        stamp_in: Any,
        stamp_out: datetime,
    ) -> Stored | None:
        v = job.values
        cid = v["conversation_id"]
        conv = convs.get(cid)
        if conv is None:
            return None
        if job.visitor_id is not None and (
            conv["visitor_id"] != job.visitor_id or conv["status"] == "closed"
        ):
            return None
        client_msg_id = v["client_msg_id"]
        if client_msg_id is not None:
            key = (cid, v["sender"], client_msg_id)
            if key in keys or cur.execute(_SQLITE_RESENT, key).fetchone() is not None:
                return None  # a re-send: the one-message path returns the stored row
            keys.add(key)
        seq = conv["last_seq"] = conv["last_seq"] + 1
        conv["updated_at"] = stamp_out
        cur.execute(
            _SQLITE_MESSAGE,
            (
                cid,
                seq,
                v["sender"],
                client_msg_id,
                v["author_kind"],
                v["author_user_id"],
                v["author_name"],
                v["text"],
                self.json_in(v["blocks"]),
                self.json_in(v["annotations"]),
                self.time_in(v["created_at"]),
            ),
        )
        msg_id = int(cur.lastrowid)
        payload = {"conversation_id": cid, "seq": seq, "message_id": msg_id}
        cur.execute(
            _SQLITE_INBOX,
            (conv["site_id"], ev.INBOX_MESSAGE_CREATED, self.payload_in(payload), stamp_in),
        )
        return dict(conv), msg_id, int(cur.lastrowid)

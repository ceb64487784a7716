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

from chinwag.extensions import db
from chinwag.models import Conversation, InboxEvent, Message

log = logging.getLogger(__name__)

#: one SQLite writer at a time per process; no green-thread switch happens while it is held
sqlite_writer = threading.Lock()

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
    """Stores concurrent messages of this process in one transaction (see the module)."""

    MAX_BATCH = 256

    def __init__(self) -> None:
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
            with sqlite_writer:
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


def group_commit() -> GroupCommit:
    """The app's group commit (one per process and app)."""
    from flask import current_app

    gc: GroupCommit | None = current_app.extensions.get("chinwag_group_commit")
    if gc is None:
        gc = current_app.extensions["chinwag_group_commit"] = GroupCommit()
    return gc


def _now() -> datetime:
    return datetime.now(UTC)


# -- PostgreSQL ---------------------------------------------------------------------------------

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


def write_pg(conn: Any, ordered: list[Job]) -> list[Stored | None]:
    """The whole batch in one pipeline (statements and COMMIT sent together): under gevent every
    round trip lets every other runnable greenlet run before the batch goes on."""
    from psycopg.rows import dict_row

    now_ = _now()
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
    results: list[Stored | None] = []
    for row in rows:
        if row is None:
            results.append(None)
        else:
            conv = {name: row[name] for name in CONVERSATION_COLUMNS}
            results.append((conv, int(row["message_id"]), int(row["inbox_id"])))
    return results


def _pg_params(job: Job, now_: datetime) -> dict[str, Any]:
    values = job.values
    return {
        **values,
        "blocks": orjson.dumps(values["blocks"]).decode(),
        "annotations": orjson.dumps(values["annotations"]).decode(),
        "now": now_,
        "visitor_id": job.visitor_id,
    }


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
            _SQLITE_INBOX, (conv["site_id"], "message.created", self.payload_in(payload), stamp_in)
        )
        return dict(conv), msg_id, int(cur.lastrowid)

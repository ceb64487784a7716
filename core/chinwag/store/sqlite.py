"""The message store on the ``sqlite3`` driver: a batch in one ``BEGIN IMMEDIATE`` transaction.

The write lock first, then the conversations read once, seqs counted here, one INSERT per
message and inbox event, one UPDATE per conversation. Values go through SQLAlchemy's own type
processors, so rows read back through the ORM are the same as rows it wrote; the statements are
built once from the model's columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Dialect

from chinwag import events as ev
from chinwag.store.base import (
    CONVERSATION_COLUMNS,
    CONVERSATIONS,
    INBOX_EVENTS,
    MESSAGE_COLUMNS,
    Job,
    MessageStore,
    Stored,
    message_column,
)

# the model's own column names; values are always bound parameters
_CONVERSATIONS = f"SELECT {', '.join(CONVERSATION_COLUMNS)} FROM conversations WHERE id IN "  # noqa: S608
_RESENT = "SELECT 1 FROM messages WHERE conversation_id = ? AND sender = ? AND client_msg_id = ?"
_MESSAGE = (
    f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(MESSAGE_COLUMNS))})"
)
_INBOX = "INSERT INTO inbox_events (site_id, kind, payload, created_at) VALUES (?, ?, ?, ?)"
_SEQ = "UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?"


def _bind(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _result(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return process or (lambda value: value)


class SqliteBatchStore(MessageStore):
    dialect = "sqlite"

    def __init__(self, dialect: Dialect) -> None:
        self.time_in = _bind(CONVERSATIONS.c.updated_at, dialect) or (lambda value: value)
        self.time_out = _result(CONVERSATIONS.c.updated_at, dialect)
        self.payload_in = _bind(INBOX_EVENTS.c.payload, dialect) or (lambda value: value)
        #: per message column, in :data:`MESSAGE_COLUMNS` order: its bind processor (or None)
        self.columns = [(name, _bind(message_column(name), dialect)) for name in MESSAGE_COLUMNS]

    def append(self, conn: Any, batch: Sequence[Job]) -> list[Stored | None]:
        stamp = datetime.now(UTC)
        stamp_in, stamp_out = self.time_in(stamp), stamp.replace(tzinfo=None)
        ids = sorted({job.values["conversation_id"] for job in batch})
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.cursor()
            convs: dict[int, dict[str, Any]] = {}
            marks = f"({', '.join('?' * len(ids))})"
            for row in cur.execute(_CONVERSATIONS + marks, ids):
                conv = dict(zip(CONVERSATION_COLUMNS, row, strict=True))
                conv["created_at"] = self.time_out(conv["created_at"])
                conv["updated_at"] = self.time_out(conv["updated_at"])
                convs[conv["id"]] = conv
            keys: set[tuple[int, str, str]] = set()
            touched: set[int] = set()
            results: list[Stored | None] = []
            for job in batch:
                stored = self._one(cur, job, convs, keys, stamp_in, stamp_out)
                if stored is not None:
                    touched.add(stored[0]["id"])
                results.append(stored)
            cur.executemany(
                _SEQ, [(convs[cid]["last_seq"], stamp_in, cid) for cid in sorted(touched)]
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
            if key in keys or cur.execute(_RESENT, key).fetchone() is not None:
                return None  # a re-send: the one-message path returns the stored row
            keys.add(key)
        seq = conv["last_seq"] = conv["last_seq"] + 1
        conv["updated_at"] = stamp_out
        row = {**v, "seq": seq}
        cur.execute(
            _MESSAGE,
            [row[name] if bind is None else bind(row[name]) for name, bind in self.columns],
        )
        msg_id = int(cur.lastrowid)
        payload = {"conversation_id": cid, "seq": seq, "message_id": msg_id}
        cur.execute(
            _INBOX,
            (conv["site_id"], ev.INBOX_MESSAGE_CREATED, self.payload_in(payload), stamp_in),
        )
        return dict(conv), msg_id, int(cur.lastrowid)

"""The message store on psycopg: a whole batch in one statement (one round trip, atomic without a
transaction block; under gevent every round trip waits for a turn of the event loop).

Conversations are locked in id order and their latest status is checked; a re-send (stored, or
earlier in the batch), a closed or foreign conversation is not stored and takes no seq. Each
conversation's seqs follow on from its ``last_seq`` in the batch's order. The statement is built
once from the model's columns (:data:`chinwag.store.base.JOB_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Integer, String

from chinwag import events as ev
from chinwag.store.base import (
    CONVERSATION_COLUMNS,
    JOB_COLUMNS,
    JSON_COLUMNS,
    MESSAGE_COLUMNS,
    Job,
    MessageStore,
    Stored,
    message_column,
)


def _array_type(name: str) -> str:
    """The element type a column's values travel in (JSON as text, cast on insert; strings as
    text so an over-long value fails on insert instead of being cut by a cast)."""
    kind = message_column(name).type
    if isinstance(kind, (JSON, String)):
        return "text"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    raise TypeError(f"messages.{name}: no array type for {kind!r}")


def _insert_value(name: str) -> str:
    if name == "seq":
        return "c.last_seq - c.added + ok.k"
    if name in JSON_COLUMNS:
        return f"CAST(ok.{name} AS json)"
    return f"ok.{name}"


_ARRAYS = ", ".join(f"%({name})s::{_array_type(name)}[]" for name in JOB_COLUMNS)

STATEMENT = f"""
WITH j AS (
    SELECT * FROM unnest(%(ord)s::int[], {_ARRAYS}, %(visitor_id)s::int[])
    AS j(ord, {", ".join(JOB_COLUMNS)}, visitor_id)
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
    INSERT INTO messages ({", ".join(MESSAGE_COLUMNS)})
    SELECT {", ".join(_insert_value(name) for name in MESSAGE_COLUMNS)}
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
"""  # noqa: S608 - names from the model, values bound


class PostgresBatchStore(MessageStore):
    dialect = "postgresql"

    def append(self, conn: Any, batch: Sequence[Job]) -> list[Stored | None]:
        """The batch in one statement on the group commit's own connection (autocommit)."""
        from psycopg.rows import dict_row

        if not conn.autocommit:
            conn.autocommit = True
            # this connection runs only the statement above, prepared once: a plan made while
            # the tables were small scanned them whole (looking for re-sends) ever after, and
            # PostgreSQL's CPU per batch grew with the messages table. Every lookup it makes
            # has an index.
            conn.execute("SET enable_seqscan = off")
        params: dict[str, Any] = {
            name: (
                [orjson.dumps(job.values[name]).decode() for job in batch]
                if name in JSON_COLUMNS
                else [job.values[name] for job in batch]
            )
            for name in JOB_COLUMNS
        }
        params["ord"] = list(range(len(batch)))
        params["visitor_id"] = [job.visitor_id for job in batch]
        params["now"] = datetime.now(UTC)
        params["inbox_kind"] = ev.INBOX_MESSAGE_CREATED
        with conn.cursor(row_factory=dict_row) as cur:
            # small batches reuse one prepared plan; large ones are planned for their size (a
            # plan made for a few rows joins hundreds with nested loops)
            cur.execute(STATEMENT, params, prepare=None if len(batch) <= 32 else False)
            rows = cur.fetchall()
        results: list[Stored | None] = [None] * len(batch)
        for row in rows:
            conv = {name: row[name] for name in CONVERSATION_COLUMNS}
            conv["last_seq"] = row["message_seq"]  # the conversation as this message left it
            results[row["ord"]] = (conv, int(row["message_id"]), int(row["inbox_id"]))
        return results

"""Group commit: the messages that arrive together are stored in one transaction.

The first sender to arrive leads: it writes every message waiting at that moment in one
transaction and commits once; messages that arrive meanwhile wait and form the next batch, led by
the first of them. At low load a batch is one message and nothing waits; under load one commit
(and, on SQLite, one turn of the single writer) serves many messages. Nobody is acknowledged
before the commit that stored their message. Within a batch rows are locked in conversation
order, so two processes' batches cannot deadlock.

The batch is written by the database's :class:`chinwag.store.MessageStore` (on PostgreSQL and
SQLite a driver-level one: no ORM, no SQL built per message; SQLAlchemy's statement building was
over half of the server's time per message on SQLite in bench/realtime). This module only leads.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from chinwag.extensions import db
from chinwag.store import Job, MessageStore, OrmStore, Stored, batch_store
from chinwag.store.batching import Leader

log = logging.getLogger(__name__)

_SQLITE_RESENT = (
    "SELECT 1 FROM messages WHERE conversation_id = ? AND sender = ? AND client_msg_id = ?"
)

__all__ = ["GroupCommit", "Job", "ResendCheck", "Stored", "available"]


def available() -> bool:
    """Whether messages to existing conversations can be group-committed on this database."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return True
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


class GroupCommit(Leader):
    """Stores concurrent messages of this process in one transaction (see the module); one per
    app, kept in :class:`chinwag.state.ChinwagState` with the app's SQLite writer lock."""

    def __init__(self, sqlite_writer: threading.Lock) -> None:
        super().__init__()
        self.sqlite_writer = sqlite_writer
        self._store: MessageStore | None = None
        #: the send path's re-send check, batched the same way
        self.resends = ResendCheck()
        self.batches = 0
        self.messages = 0

    def resent(self, conversation_id: int, sender: str, client_msg_id: str) -> bool | None:
        """Whether this key is stored already (None: could not tell; ask the session). On
        SQLite on the group commit's own connection, under the writer lock: its page cache
        stays warm (a second connection's is dropped after every write by another, and the
        lookup then cost more than the message's write). On PostgreSQL batched, like writes."""
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return self.resends.stored(conversation_id, sender, client_msg_id)
        params = (conversation_id, sender, client_msg_id)

        def lookup(raw: Any) -> bool:
            return raw.driver_connection.execute(_SQLITE_RESENT, params).fetchone() is not None

        try:
            with self.sqlite_writer:
                return bool(self._with_raw(engine, lookup))
        except Exception:
            log.exception("re-send check failed; asking the session")
            return None

    def _write(self, batch: list[Job]) -> None:
        ordered = sorted(batch, key=lambda j: j.values["conversation_id"])  # stable
        engine = db.engine
        if self._store is None:
            self._store = batch_store(engine.dialect)
        store = self._store
        if isinstance(store, OrmStore):
            with Session(engine) as session:
                results = store.append(session, ordered)
        elif engine.dialect.name == "sqlite":
            with self.sqlite_writer:
                results = self._with_raw(
                    engine, lambda raw: store.append(raw.driver_connection, ordered)
                )
        else:
            results = self._with_raw(
                engine, lambda raw: store.append(raw.driver_connection, ordered)
            )
        for job, result in zip(ordered, results, strict=True):
            job.result = result
        self.batches += 1
        self.messages += len(batch)


@dataclass(eq=False)
class _Lookup(Job):
    #: whether the key is stored (None: the lookup failed; ask the session)
    found: bool | None = None


class ResendCheck(Leader):
    """Is this ``client_msg_id`` stored already? Asked before processors run, for every message
    while a processor is enabled: concurrent questions share one indexed query on a connection
    of their own (no session, no pool check-out), like the group commit's batches."""

    FAILED = "re-send check of %d messages failed; asking one by one"

    def stored(self, conversation_id: int, sender: str, client_msg_id: str) -> bool | None:
        job = _Lookup(
            {"conversation_id": conversation_id, "sender": sender, "key": client_msg_id}, None
        )
        self.submit(job)
        return job.found

    def _write(self, batch: list[Job]) -> None:
        engine = db.engine
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        convs = sorted({job.values["conversation_id"] for job in batch})
        keys = sorted({job.values["key"] for job in batch})
        sql = (
            "SELECT conversation_id, sender, client_msg_id FROM messages "  # noqa: S608
            f"WHERE conversation_id IN ({', '.join([mark] * len(convs))}) "
            f"AND client_msg_id IN ({', '.join([mark] * len(keys))})"
        )

        def lookup(raw: Any) -> set[tuple[int, str, str]]:
            conn = raw.driver_connection
            if engine.dialect.name == "postgresql" and not conn.autocommit:
                conn.autocommit = True  # no transaction left open between lookups
            cur = conn.cursor()
            try:
                cur.execute(sql, [*convs, *keys])
                return {(int(c), str(s), str(k)) for c, s, k in cur.fetchall()}
            finally:
                cur.close()

        found = self._with_raw(engine, lookup)
        for job in batch:
            v = job.values
            assert isinstance(job, _Lookup)
            job.found = (v["conversation_id"], v["sender"], v["key"]) in found

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

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from chinwag.extensions import db
from chinwag.store import Job, MessageStore, OrmStore, Stored, batch_store

log = logging.getLogger(__name__)

__all__ = ["GroupCommit", "Job", "Stored", "available"]


def available() -> bool:
    """Whether messages to existing conversations can be group-committed on this database."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return True
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


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
        self._store: MessageStore | None = None
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

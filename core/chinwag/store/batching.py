"""Batching concurrent requests: the first to arrive leads and serves everyone waiting then.

The group commit's pattern (:mod:`chinwag.group_commit`), shared by what else pays a round trip
per request under load: the send path's re-send check, the analytics facts, the rate limits on
Redis. A subclass says what one batch does (:meth:`Leader._write`); each request is a
:class:`chinwag.store.Job` (or a subclass carrying its answer).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from chinwag.store.base import Job

log = logging.getLogger(__name__)

__all__ = ["Job", "Leader"]


class Leader:
    """The batching itself: the first to arrive leads and handles everything waiting then;
    whoever arrives meanwhile waits for the next batch, led by the first of them."""

    MAX_BATCH = 256
    #: what the log says when a batch failed
    FAILED = "group commit of %d messages failed; storing them one by one"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Job] = []
        self._busy = False
        self._raw: Any = None

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
            log.exception(self.FAILED, len(batch))
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
        raise NotImplementedError

    def _with_raw(self, engine: Any, write: Callable[[Any], Any]) -> Any:
        """Run ``write`` on this leader's own connection, kept between batches (no session,
        no check-out or pre-ping per batch; only one leader works at a time)."""
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

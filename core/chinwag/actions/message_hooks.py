"""Message processors, run once per message, and the writes they defer into its transaction.

A processor (``chinwag.inbound``/``chinwag.outbound``) sees a draft before it is stored. It may
not write to the database there: the message may yet be refused, be a re-send answered from the
store, or fail to store, and on SQLite an open write would hold the one write lock while the
group commit waits for it. Instead it hands a function to ``ctx.in_message_transaction``; the
send pipeline runs those functions inside the transaction that stores the message, after the
message row exists, each in a savepoint, and commits them with it. So a processor's own data is
written exactly when, and only when, the message is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chinwag_plugin_api import (
    InboundProcessor,
    MessageDraft,
    MessageView,
    OutboundProcessor,
    Refused,
)

from chinwag.actions.base import Actor
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.state import state

if TYPE_CHECKING:
    from chinwag.plugins.host import PluginRecord

log = logging.getLogger(__name__)

#: what ``ctx.in_message_transaction`` hands in
InTransaction = Callable[[MessageView], None]


@dataclass
class Processed:
    """A draft after every processor, with the writes they asked to make beside the message."""

    draft: MessageDraft
    deferred: list[tuple[PluginRecord, InTransaction]] = field(default_factory=list)


#: the deferred writes of the message whose processors are running (None: no processor runs)
_collecting: ContextVar[list[tuple[PluginRecord, InTransaction]] | None] = ContextVar(
    "chinwag_message_hooks", default=None
)


def defer(record: PluginRecord, fn: InTransaction) -> None:
    """``ctx.in_message_transaction``: remember ``fn`` for the message being processed."""
    pending = _collecting.get()
    if pending is None:
        raise RuntimeError("in_message_transaction() is for a message processor's process() only")
    pending.append((record, fn))


def has_processors(actor: Actor) -> bool:
    """Whether any enabled processor sees this actor's messages (else nothing is run twice)."""
    return next(state().plugins.extensions(_namespace(actor)), None) is not None


def _namespace(actor: Actor) -> str:
    return InboundProcessor.namespace if actor.kind == "visitor" else OutboundProcessor.namespace


def process(actor: Actor, draft: MessageDraft) -> Processed:
    """Run the processors in hook order; a ``Refused`` becomes the API error it describes."""
    chinwag = state()
    host = chinwag.plugins
    deferred: list[tuple[PluginRecord, InTransaction]] = []
    token = _collecting.set(deferred)
    try:
        for record, proc in host.extensions(_namespace(actor)):
            before = _pending_writes()
            result = host.call(
                record, proc.process, chinwag.context(record), draft, propagate=(Refused,)
            )
            if not before and _pending_writes():
                _discard_direct_writes(record)
            if isinstance(result, MessageDraft):
                draft = result
    except Refused as exc:
        raise ApiError(exc.code, exc.message, exc.status) from None
    finally:
        _collecting.reset(token)
    return Processed(draft, deferred)


def _pending_writes() -> bool:
    """Whether the request's session holds writes not yet committed: ORM changes, or (SQLite)
    an open write transaction, which would lock out every other writer until it ends."""
    if not db.session.registry.has():
        return False
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction() or db.engine.dialect.name != "sqlite":
        return False
    driver = session.connection().connection.driver_connection
    return bool(getattr(driver, "in_transaction", False))


def _discard_direct_writes(record: PluginRecord) -> None:
    db.session.rollback()
    record.stats.failures += 1
    state().plugins._failed(
        record,
        "wrote to ctx.db_session inside process(); those writes were discarded "
        "(use ctx.in_message_transaction)",
    )


#: what an isolated call of a deferred write returns when the write raised (or was interrupted)
_FAILED: Any = object()


def run_deferred(processed: Processed, message: MessageView) -> None:
    """Inside the message's write transaction, after its row is flushed: each deferred write in
    a savepoint of its own, isolated like any hook (a failure rolls back only that write)."""
    host = state().plugins
    for record, fn in processed.deferred:
        nested = db.session.begin_nested()
        try:
            outcome = host.call(record, fn, message, default=_FAILED)
        except BaseException:
            nested.rollback()
            raise
        if outcome is _FAILED:
            nested.rollback()
        else:
            nested.commit()

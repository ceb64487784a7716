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

import dataclasses
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chinwag_plugin_api import (
    WITHHELD_TEXT,
    AgentView,
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
    """A draft after every processor, with the writes they asked to make beside the message.

    ``draft`` is what is stored as the message (what agents see); ``visitor`` the visitor's own
    copy when an ``AgentView`` hook masked the draft for agents (None: the same)."""

    draft: MessageDraft
    deferred: list[tuple[PluginRecord, InTransaction]] = field(default_factory=list)
    visitor: MessageDraft | None = None


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
    if actor.kind == "visitor":
        return agents_copy(Processed(draft, deferred))
    return Processed(draft, deferred)


#: what a failed (raised, timed out) ``AgentView`` hook returns through the host's isolation
_NO_COPY: Any = object()


def agents_copy(processed: Processed) -> Processed:
    """Run the ``AgentView`` hooks on a visitor's processed draft, in hook order, each on the
    previous copy. It fails closed: a hook that fails withholds the message from agents
    (``WITHHELD_TEXT``, the plugin named in ``annotations["chinwag"]``); the visitor keeps it."""
    chinwag = state()
    host = chinwag.plugins
    original = processed.draft
    copy = original
    for record, hook in host.extensions(AgentView.namespace):
        result = host.call(record, hook.agent_copy, chinwag.context(record), copy, default=_NO_COPY)
        if result is _NO_COPY or (result is not None and not isinstance(result, MessageDraft)):
            if result is not _NO_COPY:
                record.stats.failures += 1
                host._failed(record, "agent_copy() returned neither a MessageDraft nor None")
            withheld = {**copy.annotations, "chinwag": {"withheld": record.name}}
            copy = dataclasses.replace(copy, text=WITHHELD_TEXT, blocks=[], annotations=withheld)
            break
        if result is not None:
            copy = dataclasses.replace(
                result,
                conversation_id=original.conversation_id,
                author_kind=original.author_kind,
                visitor_id=original.visitor_id,
                idempotency_key=original.idempotency_key,
            )
    if copy.text == original.text and copy.blocks == original.blocks:
        return dataclasses.replace(processed, draft=copy)  # annotations may differ: nothing hidden
    return Processed(copy, processed.deferred, visitor=original)


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

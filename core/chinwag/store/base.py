"""The message store's one interface, and the facts every implementation shares.

A :class:`MessageStore` appends batches of messages to existing conversations, and reads them
back (after a ``seq``, or by the sender's ``client_msg_id``). Three implementations keep the same
promises (core/tests/test_message_store.py runs one conformance suite against each):

- :class:`chinwag.store.orm.OrmStore`: SQLAlchemy's ORM on a session (any database; the
  reference the others are checked against).
- :class:`chinwag.store.sqlite.SqliteBatchStore`: the ``sqlite3`` driver, one ``BEGIN
  IMMEDIATE`` per batch.
- :class:`chinwag.store.postgres.PostgresBatchStore`: psycopg, the whole batch in one statement.

The two driver-level ones exist for speed (SQLAlchemy's statement building was over half of the
server's time per message in bench/realtime); their SQL is generated from the model's columns
(:data:`MESSAGE_COLUMNS`), so a column is named in one place: the model.

A conversation's first message (which creates the conversation) is not appended here: it is
stored by the send pipeline's one-message path (chinwag.actions.messages), in the transaction
that also creates the conversation.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from sqlalchemy import JSON, Column, Table, select

from chinwag.extensions import db
from chinwag.models import Conversation, InboxEvent, Message

#: (the conversation row after this message, the message id, the inbox event id)
Stored = tuple[dict[str, Any], int, int]

CONVERSATIONS = cast(Table, Conversation.__table__)
MESSAGES = cast(Table, Message.__table__)
INBOX_EVENTS = cast(Table, InboxEvent.__table__)

#: every column of a conversation row, as the stores hand it back
CONVERSATION_COLUMNS: tuple[str, ...] = tuple(col.name for col in CONVERSATIONS.c)
#: the columns a stored message is written with (its ``id`` is the database's)
MESSAGE_COLUMNS: tuple[str, ...] = tuple(col.name for col in MESSAGES.c if col.name != "id")
#: what a :class:`Job` carries: a message's columns but its ``seq`` (the store numbers it)
JOB_COLUMNS: tuple[str, ...] = tuple(name for name in MESSAGE_COLUMNS if name != "seq")
#: message columns stored as JSON
JSON_COLUMNS: frozenset[str] = frozenset(
    col.name for col in MESSAGES.c if isinstance(col.type, JSON)
)


def message_column(name: str) -> Column[Any]:
    return MESSAGES.c[name]


@dataclass(eq=False)
class Job:
    """One message to append: ``values`` has exactly :data:`JOB_COLUMNS`; ``result`` is set
    once it is committed (None: the store did not take it, see :meth:`MessageStore.append`)."""

    values: dict[str, Any]
    #: a visitor may only write to an open conversation of their own (checked in the batch)
    visitor_id: int | None
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: Stored | None = None


class MessageStore(ABC):
    """Where messages live. Appends are the part each database does its own way; reads are the
    same SQL everywhere and run on the request's session."""

    #: which database an implementation is for ("any" for the ORM)
    dialect: ClassVar[str]

    @abstractmethod
    def append(self, conn: Any, batch: Sequence[Job]) -> list[Stored | None]:
        """Store the batch in one transaction on ``conn`` (the implementation's connection: a
        driver connection, or a Session for the ORM) and commit; one result per job, in order.

        The promises (the conformance suite checks each): conversations are locked in id order
        (two processes' batches cannot deadlock) and read as they are now; a job is not stored,
        and takes no ``seq``, when its conversation does not exist, when it is a visitor's and
        the conversation is not theirs or is closed, or when its ``(conversation, sender,
        client_msg_id)`` is stored already or earlier in the batch. Stored messages get each
        conversation's next seqs in the batch's order, without gaps, one ``message.created``
        inbox event each, and the conversation's ``last_seq``/``updated_at`` move on. Nothing
        is stored when it raises; it may raise a unique-key error when another writer stored
        one of the batch's keys at the same instant (the PostgreSQL batch store checks
        re-sends in the statement's snapshot): the caller stores such a batch again, or one
        message at a time (the group commit does).
        """

    def since(
        self, conversation_id: int, after_seq: int, limit: int = 200
    ) -> tuple[list[Message], bool]:
        """Messages with ``seq > after_seq`` in order; the flag says more remain."""
        rows = list(
            db.session.execute(
                select(Message)
                .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
                .order_by(Message.seq)
                .limit(limit + 1)
            ).scalars()
        )
        return rows[:limit], len(rows) > limit

    def by_client_id(
        self, conversation_id: int, sender: str, client_msg_id: str | None
    ) -> Message | None:
        """The message a sender stored under ``client_msg_id`` in a conversation (a re-send's
        original), or None (always None without a key)."""
        if client_msg_id is None:
            return None
        return db.session.execute(
            select(Message).where(
                Message.conversation_id == conversation_id,
                Message.sender == sender,
                Message.client_msg_id == client_msg_id,
            )
        ).scalar_one_or_none()

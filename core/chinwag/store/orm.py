"""The message store on SQLAlchemy's ORM: any database, one session transaction per batch.

The reference implementation of :class:`chinwag.store.base.MessageStore` (short and plain); the
driver-level stores must give the same rows (core/tests/test_message_store.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from chinwag import events as ev
from chinwag.models import Conversation, InboxEvent, Message
from chinwag.store.base import CONVERSATION_COLUMNS, Job, MessageStore, Stored


class OrmStore(MessageStore):
    dialect = "any"

    def append(self, conn: Any, batch: Sequence[Job]) -> list[Stored | None]:
        session: Session = conn
        ids = sorted({job.values["conversation_id"] for job in batch})
        try:
            convs = {
                c.id: c
                for c in session.execute(
                    select(Conversation)
                    .options(lazyload("*"))  # the row only (no joined visitor to lock)
                    .where(Conversation.id.in_(ids))
                    .order_by(Conversation.id)
                    .with_for_update(of=Conversation)
                ).scalars()
            }
            stamp = datetime.now(UTC)
            keys: set[tuple[int, str, str]] = set()
            stored: list[tuple[Job, Message] | None] = []
            for job in batch:
                msg = self._one(session, job, convs, keys, stamp)
                stored.append(None if msg is None else (job, msg))
            session.flush()
            inbox: list[InboxEvent | None] = []
            for entry in stored:
                if entry is None:
                    inbox.append(None)
                    continue
                msg = entry[1]
                row = InboxEvent(
                    site_id=convs[msg.conversation_id].site_id,
                    kind=ev.INBOX_MESSAGE_CREATED,
                    payload={
                        "conversation_id": msg.conversation_id,
                        "seq": msg.seq,
                        "message_id": msg.id,
                    },
                    created_at=stamp,
                )
                session.add(row)
                inbox.append(row)
            session.flush()
            results: list[Stored | None] = []
            for entry, event in zip(stored, inbox, strict=True):
                if entry is None or event is None:
                    results.append(None)
                    continue
                conv = convs[entry[1].conversation_id]
                row_values = {name: getattr(conv, name) for name in CONVERSATION_COLUMNS}
                row_values["last_seq"] = entry[1].seq  # the conversation as this message left it
                results.append((row_values, entry[1].id, event.id))
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return results

    @staticmethod
    def _one(
        session: Session,
        job: Job,
        convs: dict[int, Conversation],
        keys: set[tuple[int, str, str]],
        stamp: datetime,
    ) -> Message | None:
        v = job.values
        conv = convs.get(v["conversation_id"])
        if conv is None:
            return None
        if job.visitor_id is not None and (
            conv.visitor_id != job.visitor_id or conv.status == "closed"
        ):
            return None
        if v["client_msg_id"] is not None:
            key = (conv.id, v["sender"], v["client_msg_id"])
            resent = session.execute(
                select(Message.id).where(
                    Message.conversation_id == key[0],
                    Message.sender == key[1],
                    Message.client_msg_id == key[2],
                )
            ).first()
            if key in keys or resent is not None:
                return None
            keys.add(key)
        conv.last_seq += 1
        conv.updated_at = stamp
        msg = Message(seq=conv.last_seq, **v)
        session.add(msg)
        return msg

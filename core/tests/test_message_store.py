"""One conformance suite for every :class:`chinwag.store.MessageStore`: the ORM store (on SQLite
and PostgreSQL), the SQLite batch store and the PostgreSQL batch store keep the same promises:
order, idempotency, refusals that take no seq, gapless seqs, reads, and concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg.errors import UniqueViolation
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.orm import Session

from chinwag import actions
from chinwag.actions import Actor
from chinwag.extensions import db
from chinwag.models import Conversation, InboxEvent, Message, Visitor
from chinwag.store import (
    JOB_COLUMNS,
    Job,
    MessageStore,
    OrmStore,
    Stored,
    batch_store,
    reads,
)

#: a store raises one of these when another writer stored one of its keys at the same instant
IntegrityError = (SAIntegrityError, UniqueViolation)

Append = Callable[[Sequence[Job]], list[Stored | None]]


@pytest.fixture(params=["orm", "batch"])
def append(request: Any, chinwag_app: Any) -> Iterator[Append]:
    """``append(jobs)`` on the implementation under test, with its own connection, as the group
    commit calls it (on SQLite the app's writer lock serialises writers)."""
    with chinwag_app.app_context():
        engine = db.engine
        store: MessageStore = OrmStore() if request.param == "orm" else batch_store(engine.dialect)
    sqlite = engine.dialect.name == "sqlite"
    writer = threading.Lock()

    def run(jobs: Sequence[Job]) -> list[Stored | None]:
        with writer if sqlite else nullcontext():
            if isinstance(store, OrmStore):
                with Session(engine) as session:
                    return store.append(session, jobs)
            raw = engine.raw_connection()
            try:
                return store.append(raw.driver_connection, jobs)
            finally:
                raw.invalidate()  # the batch stores change their connection's settings

    run.__name__ = f"{type(store).__name__}-{engine.dialect.name}"
    yield run


def _admin(app: Any) -> Actor:
    """An admin who may close any conversation (an agent must exist and see the site)."""
    from chinwag.testing import create_user

    return Actor(
        "agent",
        create_user(app, f"closer{time.monotonic_ns()}@example.com", "long enough password"),
    )


def _visitor(app: Any, site_id: int) -> int:
    with app.app_context():
        v = Visitor(site_id=site_id)
        db.session.add(v)
        db.session.commit()
        return v.id


def _open(app: Any, vid: int, site_id: int) -> int:
    with app.app_context():
        return actions.send_message(
            Actor("visitor", vid, site_id), None, "open", "hi"
        ).conversation.id


def _job(conv: int, sender: str, key: str | None, visitor_id: int | None = None) -> Job:
    kind = sender.split(":")[0]
    values = {
        "conversation_id": conv,
        "sender": sender,
        "client_msg_id": key,
        "author_kind": kind,
        "author_user_id": None,
        "author_name": "Ann" if kind == "agent" else None,
        "text": f"text {key}",
        "blocks": [{"type": "suggestions", "items": [str(key)]}],
        "annotations": {"key": key},
        "created_at": datetime.now(UTC),
        # a visitor's own copy beside the agents' (AgentView), stored by every store alike
        "visitor_text": f"mine {key}" if kind == "visitor" else None,
        "visitor_blocks": [{"type": "text", "text": "mine"}] if kind == "visitor" else None,
    }
    assert set(values) == set(JOB_COLUMNS)
    return Job(values, visitor_id)


def _rows(app: Any, conv: int) -> list[Message]:
    with app.app_context():
        rows = list(
            db.session.execute(
                db.select(Message).where(Message.conversation_id == conv).order_by(Message.seq)
            ).scalars()
        )
        db.session.expunge_all()
        return rows


def test_a_batch_is_numbered_in_order_and_reads_back_as_written(
    chinwag_app: Any, demo_site: Any, append: Append
) -> None:
    site = demo_site["id"]
    v1, v2 = _visitor(chinwag_app, site), _visitor(chinwag_app, site)
    a, b = _open(chinwag_app, v1, site), _open(chinwag_app, v2, site)
    jobs = [
        _job(b, f"visitor:{v2}", "b1", v2),
        _job(a, f"visitor:{v1}", "a1", v1),
        _job(a, "agent:1", "a2"),
        _job(b, "bot:helper", None),
        _job(a, f"visitor:{v1}", "a3", v1),
    ]
    results = append(jobs)
    assert all(r is not None for r in results)
    seqs = {
        j.values["client_msg_id"]: r[0]["last_seq"] for j, r in zip(jobs, results, strict=True) if r
    }
    assert seqs == {"b1": 2, "a1": 2, "a2": 3, None: 3, "a3": 4}
    with chinwag_app.app_context():
        for job, result in zip(jobs, results, strict=True):
            assert result is not None
            conv, message_id, inbox_id = result
            row = db.session.get(Message, message_id)
            assert row is not None and row.seq == conv["last_seq"]
            for name in JOB_COLUMNS:
                written, read = job.values[name], getattr(row, name)
                if name == "created_at":
                    written, read = written.replace(tzinfo=None), read.replace(tzinfo=None)
                assert read == written, name
            event = db.session.get(InboxEvent, inbox_id)
            assert event is not None and event.kind == "message.created"
            assert event.payload == {
                "conversation_id": conv["id"],
                "seq": conv["last_seq"],
                "message_id": message_id,
            }
            assert conv["site_id"] == site and conv["visitor_id"] in (v1, v2)
        assert db.session.get(Conversation, a).last_seq == 4  # type: ignore[union-attr]
        assert db.session.get(Conversation, b).last_seq == 3  # type: ignore[union-attr]
        page, more = reads.since(a, 1, limit=2)
        assert [m.client_msg_id for m in page] == ["a1", "a2"] and more
        page, more = reads.since(a, 3)
        assert [m.client_msg_id for m in page] == ["a3"] and not more
        found = reads.by_client_id(a, f"visitor:{v1}", "a3")
        assert found is not None and found.seq == 4
        assert reads.by_client_id(a, "agent:1", "a3") is None  # keys are per sender
        assert reads.by_client_id(a, f"visitor:{v1}", None) is None


def test_resends_and_refusals_are_not_stored_and_take_no_seq(
    chinwag_app: Any, demo_site: Any, append: Append
) -> None:
    site = demo_site["id"]
    owner, other = _visitor(chinwag_app, site), _visitor(chinwag_app, site)
    a, closed = _open(chinwag_app, owner, site), _open(chinwag_app, other, site)
    with chinwag_app.app_context():
        actions.set_status(_admin(chinwag_app), closed, "closed")
    first = append([_job(a, f"visitor:{owner}", "k1", owner)])
    assert first[0] is not None
    jobs = [
        _job(a, f"visitor:{owner}", "k1", owner),  # stored before
        _job(a, f"visitor:{owner}", "open", owner),  # the opening message, re-sent
        _job(a, f"visitor:{owner}", "k2", owner),
        _job(a, f"visitor:{owner}", "k2", owner),  # twice in this batch
        _job(a, "agent:1", "k2"),  # the same key from another sender is another message
        _job(a, f"visitor:{other}", "x", other),  # not their conversation
        _job(closed, f"visitor:{other}", "late", other),  # closed to its visitor
        _job(closed, "agent:1", "note"),  # ... not to agents
        _job(10_000_000, "agent:1", "nowhere"),  # no such conversation
        _job(a, f"visitor:{owner}", None, owner),  # no key: always a new message
        _job(a, f"visitor:{owner}", None, owner),
    ]
    results = append(jobs)
    assert [r is not None for r in results] == [0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1]
    assert [m.seq for m in _rows(chinwag_app, a)] == [1, 2, 3, 4, 5, 6]  # no gap
    assert [m.seq for m in _rows(chinwag_app, closed)] == [1, 2]
    again = append([_job(a, f"visitor:{owner}", "k2", owner)])
    assert again == [None]
    with chinwag_app.app_context():
        events = db.session.execute(
            db.select(db.func.count())
            .select_from(InboxEvent)
            .where(InboxEvent.kind == "message.created")
        ).scalar_one()
    assert events == 6  # k1 + the five stored above: one each, none for what was not stored


def test_concurrent_batches_store_every_key_once_without_gaps(
    chinwag_app: Any, demo_site: Any, append: Append
) -> None:
    """Four writers with their own connections append overlapping batches (every key is sent by
    two writers) to two conversations at once."""
    site = demo_site["id"]
    vid = _visitor(chinwag_app, site)
    convs = [_open(chinwag_app, vid, site), _open(chinwag_app, _visitor(chinwag_app, site), site)]
    stored: dict[tuple[int, str], list[int]] = {}
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(15):
            batch = [_job(convs[(i + k) % 2], "bot:helper", f"k{n // 2}-{i}-{k}") for k in range(4)]
            for _attempt in range(5):
                try:
                    results = append(batch)
                    break
                except IntegrityError:  # the same key stored by another writer meanwhile
                    continue  # nothing was stored: try again, as the group commit's fallback does
            else:
                raise AssertionError("a batch kept failing")
            for job, result in zip(batch, results, strict=True):
                if result is not None:
                    with lock:
                        key = (job.values["conversation_id"], job.values["client_msg_id"])
                        stored.setdefault(key, []).append(result[1])

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(writer, range(4)))
    assert len(stored) == 2 * 15 * 4 and all(len(ids) == 1 for ids in stored.values())
    with chinwag_app.app_context():
        for conv in convs:
            seqs = [m.seq for m in _rows(chinwag_app, conv)]
            assert seqs == list(range(1, len(seqs) + 1))
            assert db.session.get(Conversation, conv).last_seq == len(seqs)  # type: ignore[union-attr]
        assert sum(len(_rows(chinwag_app, c)) for c in convs) == 2 + 120

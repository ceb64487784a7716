"""Message processors run once per message, and write their own data exactly once, through
``ctx.in_message_transaction`` (SQLite and PostgreSQL; real send pipeline, group commit included).

The issue's case: a plugin counts urgent messages in a table of its own. Before, on SQLite a
message then stalled for 30 s ("database is locked"), a retried batch counted it twice and a
re-sent ``client_msg_id`` ran the processor again.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from chinwag_plugin_api import InboundProcessor, MessageDraft, MessageView, PluginContext, Refused
from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from chinwag import actions
from chinwag.actions import Actor
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation, Message, Visitor
from chinwag.state import state
from chinwag.testing import register_plugin

#: concurrent senders (below SQLite's default pool of 5 + 10 connections)
SENDERS = 10

_META = MetaData()
#: the plugin's own table: urgent messages per conversation
URGENT = Table(
    "core2_urgent_counts",
    _META,
    Column("conversation_id", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
)

#: process() calls per (visitor, client_msg_id), across the app
CALLS: Counter[tuple[int | None, str | None]] = Counter()
_CALLS_LOCK = threading.Lock()


class UrgentCounter(InboundProcessor):
    """Counts every stored message containing "urgent", per conversation (an upsert)."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        with _CALLS_LOCK:
            CALLS[(draft.visitor_id, draft.idempotency_key)] += 1
        if "urgent" in draft.text:
            ctx.in_message_transaction(lambda message: _count(ctx, message))
        return draft


def _count(ctx: PluginContext, message: MessageView) -> None:
    session = ctx.db_session
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(URGENT).values(conversation_id=message.conversation_id, n=1)
    session.execute(
        stmt.on_conflict_do_update(index_elements=["conversation_id"], set_={"n": URGENT.c.n + 1})
    )


@pytest.fixture
def counter_app(chinwag_app: Any) -> Any:
    with chinwag_app.app_context():
        _META.create_all(db.engine)
    CALLS.clear()
    chinwag_app.config["counter"] = register_plugin(chinwag_app, "urgent-counter", UrgentCounter)
    return chinwag_app


def _visitors(app: Any, site_id: int, n: int) -> list[int]:
    with app.app_context():
        rows = [Visitor(site_id=site_id) for _ in range(n)]
        db.session.add_all(rows)
        db.session.commit()
        return [v.id for v in rows]


def _send(app: Any, vid: int, site_id: int, conv: int | None, key: str, text: str) -> Any:
    with app.app_context():
        res = actions.send_message(Actor("visitor", vid, site_id), conv, key, text)
        return res.conversation.id, res.message.id


def test_200_visitors_with_resends_are_counted_exactly_once(
    counter_app: Any, demo_site: Any
) -> None:
    """200 visitors at once, each opening a conversation and sending two more messages, every
    message sent again after its ack (a client that lost the ack), ten sending at any moment;
    then 5 messages sent twice at the same instant (two tabs). Counter rows equal the stored urgent messages exactly, each
    stored message was processed once, and seqs have no gaps."""
    app, site_id = counter_app, demo_site["id"]
    vids = _visitors(app, site_id, 200)
    acks: dict[tuple[int, str], set[int]] = {}
    convs: dict[int, int] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def visitor(vid: int) -> None:
        try:
            conv: int | None = None
            for i in range(3):
                key = f"{vid}-{i}"
                text = f"urgent {key}" if (vid + i) % 2 else f"hello {key}"
                for attempt in range(2):  # sent, then re-sent (to the new conversation too)
                    conv_id, msg_id = _send(
                        app, vid, site_id, conv if i or attempt else None, key, text
                    )
                    with lock:
                        acks.setdefault((vid, key), set()).add(msg_id)
                conv = conv_id
            with lock:
                convs[vid] = conv_id
        except BaseException as exc:  # reported below
            errors.append(exc)

    # as many senders at once as the test app's connection pool serves (a sender holds its
    # session's connection while its batch is written)
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        list(pool.map(visitor, vids))
    assert not errors, errors[:3]

    # two tabs of 5 visitors send the same urgent message at the same instant
    twins = threading.Barrier(10)

    def tab(vid: int) -> None:
        try:
            twins.wait()
            _, msg_id = _send(app, vid, site_id, convs[vid], f"{vid}-twin", "urgent twin")
            with lock:
                acks.setdefault((vid, f"{vid}-twin"), set()).add(msg_id)
        except BaseException as exc:
            errors.append(exc)

    tabs = [threading.Thread(target=tab, args=(vid,)) for vid in vids[:5] for _ in range(2)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join(120)
    assert not errors, errors[:3]

    assert len(acks) == 200 * 3 + 5 and all(len(ids) == 1 for ids in acks.values())
    with app.app_context():
        stored = db.session.execute(
            select(Message.conversation_id, Message.seq, Message.text, Message.client_msg_id)
        ).all()
        counted = dict(db.session.execute(select(URGENT.c.conversation_id, URGENT.c.n)).all())
        last_seq = dict(db.session.execute(select(Conversation.id, Conversation.last_seq)).all())
    assert len(stored) == 200 * 3 + 5
    urgent = Counter(cid for cid, _, text, _ in stored if "urgent" in text)
    assert counted == dict(urgent)
    by_conv: dict[int, list[int]] = {}
    for cid, seq, _, _ in stored:
        by_conv.setdefault(cid, []).append(seq)
    assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in by_conv.values())
    assert all(last_seq[cid] == len(seqs) for cid, seqs in by_conv.items())
    # every message re-sent after its ack was processed exactly once (the twins sent at the
    # same instant may both be processed; only the stored one counts)
    once = {(vid, f"{vid}-{i}") for vid in vids for i in range(3)}
    assert {key: CALLS[key] for key in once} == dict.fromkeys(once, 1)
    assert app.config["counter"].health()["failures"] == 0


def test_a_failed_batch_does_not_process_or_count_twice(counter_app: Any, demo_site: Any) -> None:
    """A group-commit batch that fails is stored message by message; the processors that ran
    before it are not run again, and what they write lands once."""
    app, site_id = counter_app, demo_site["id"]
    (vid,) = _visitors(app, site_id, 1)
    conv, _ = _send(app, vid, site_id, None, "open", "hello")
    group = state(app).group_commit
    real = group._write
    failures = []

    def failing_once(batch: list[Any]) -> None:
        if not failures:
            failures.append(len(batch))
            raise RuntimeError("database went away")
        real(batch)

    group._write = failing_once  # type: ignore[method-assign]
    try:
        _send(app, vid, site_id, conv, "k1", "plain one")
    finally:
        group._write = real  # type: ignore[method-assign]
    _send(app, vid, site_id, conv, "k2", "urgent two")
    with app.app_context():
        texts = list(db.session.execute(select(Message.text).order_by(Message.seq)).scalars())
        counted = db.session.execute(select(URGENT.c.n)).scalars().all()
    assert texts == ["hello", "plain one", "urgent two"]
    assert counted == [1]
    if group_available(app):
        assert failures == [1]
    assert CALLS[(vid, "k1")] == 1 and CALLS[(vid, "k2")] == 1


def group_available(app: Any) -> bool:
    from chinwag.group_commit import available

    with app.app_context():
        return available()


class _Refuser(InboundProcessor):
    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        if "refuse" in draft.text:
            raise Refused("Not this one.", "refused_by_test")
        return draft


class _Broken(InboundProcessor):
    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        def boom(message: MessageView) -> None:
            _count(ctx, message)  # written, then rolled back with the savepoint
            raise ValueError("broken plugin")

        ctx.in_message_transaction(boom)
        return draft


def test_refused_messages_count_nothing_and_a_failing_write_keeps_the_message(
    counter_app: Any, demo_site: Any
) -> None:
    app, site_id = counter_app, demo_site["id"]
    register_plugin(app, "zz-refuser", _Refuser)  # runs after urgent-counter (name order)
    (vid,) = _visitors(app, site_id, 1)
    conv, _ = _send(app, vid, site_id, None, "open", "urgent hello")
    with pytest.raises(ApiError) as err:
        _send(app, vid, site_id, conv, "r", "urgent refuse")
    assert err.value.code == "refused_by_test"
    broken = register_plugin(app, "broken-writer", _Broken)
    _send(app, vid, site_id, conv, "b", "urgent but a plugin fails")
    with app.app_context():
        texts = list(db.session.execute(select(Message.text).order_by(Message.seq)).scalars())
        counted = db.session.execute(select(URGENT.c.n)).scalars().all()
    assert texts == ["urgent hello", "urgent but a plugin fails"]
    assert counted == [2]  # the counter's two, not the broken plugin's rolled-back one
    assert broken.health()["failures"] == 1


def test_in_message_transaction_only_from_a_processor(counter_app: Any) -> None:
    from chinwag.testing import plugin_context

    with counter_app.app_context():
        ctx = plugin_context(counter_app, "urgent-counter")
        with pytest.raises(RuntimeError, match="process"):
            ctx.in_message_transaction(lambda message: None)

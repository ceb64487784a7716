"""The fast delivery path: group commit and hand-written serialisers (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from typing import Any

from chinwag_plugin_api import InboundProcessor, MessageDraft, MessageView, PluginContext

from chinwag import actions
from chinwag.actions import Actor
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.group_commit import Job
from chinwag.models import AuditEntry, Conversation, InboxEvent, Message, Visitor
from chinwag.schemas import ConversationOut, MessageOut
from chinwag.state import state
from chinwag.testing import register_plugin


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


def _open(app: Any, visitor_id: int, site_id: int) -> int:
    with app.app_context():
        res = actions.send_message(Actor("visitor", visitor_id, site_id), None, "open", "hello")
        return res.conversation.id


def test_hand_written_dicts_equal_the_schemas(chinwag_app: Any, demo_site: Any) -> None:
    vid = _visitor(chinwag_app, demo_site["id"])
    cid = _open(chinwag_app, vid, demo_site["id"])
    with chinwag_app.app_context():
        res = actions.send_message(
            Actor("visitor", vid, demo_site["id"]),
            cid,
            "m2",
            "with a block",
            [{"type": "text", "text": "a block"}],  # visitors send no rich blocks
        )
        sent_message = actions.message_dict(res.message)
        sent_conversation = actions.conversation_dict(res.conversation)
        db.session.expire_all()
        stored = db.session.get(Message, res.message.id)
        conv = db.session.get(Conversation, cid)
        assert sent_message == MessageOut().dump(stored)
        assert sent_conversation == ConversationOut().dump(conv)
        assert sent_message["seq"] == 2 and sent_conversation["last_seq"] == 2


def test_concurrent_sends_and_resends_numbered_once(chinwag_app: Any, demo_site: Any) -> None:
    """Threads sending at once to one conversation (with every message also re-sent by another
    thread) get one row per client_msg_id, seqs 1..n without gaps, one inbox event each."""
    site_id = demo_site["id"]
    vid = _visitor(chinwag_app, site_id)
    cid = _open(chinwag_app, vid, site_id)
    acks: dict[str, set[int]] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def sender(n: int) -> None:
        try:
            start.wait()
            for i in range(12):
                key = f"k{(n // 2) * 100 + i}"  # threads 2k and 2k+1 send the same keys
                with chinwag_app.app_context():
                    res = actions.send_message(Actor("visitor", vid, site_id), cid, key, key)
                    with lock:
                        acks.setdefault(key, set()).add(res.message.id)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(acks) == 36 and all(len(ids) == 1 for ids in acks.values())
    with chinwag_app.app_context():
        rows = db.session.execute(
            db.select(Message.seq, Message.client_msg_id).where(Message.conversation_id == cid)
        ).all()
        assert sorted(seq for seq, _ in rows) == list(range(1, 38))  # the opening message + 36
        assert len({k for _, k in rows}) == 37
        assert db.session.get(Conversation, cid).last_seq == 37  # type: ignore[union-attr]
        created = db.session.execute(
            db.select(InboxEvent).where(InboxEvent.kind == "message.created")
        ).scalars()
        assert sorted(e.payload["seq"] for e in created) == list(range(2, 38))


def test_grouped_path_refuses_what_the_slow_path_refuses(chinwag_app: Any, demo_site: Any) -> None:
    site_id = demo_site["id"]
    owner, other = _visitor(chinwag_app, site_id), _visitor(chinwag_app, site_id)
    cid = _open(chinwag_app, owner, site_id)
    with chinwag_app.app_context():
        try:
            actions.send_message(Actor("visitor", other, site_id), cid, "x", "not yours")
        except ApiError as err:
            assert err.code == "not_found"
        else:
            raise AssertionError("a foreign conversation accepted a message")
        actions.set_status(_admin(chinwag_app), cid, "closed")
        try:
            actions.send_message(Actor("visitor", owner, site_id), cid, "y", "closed")
        except ApiError as err:
            assert err.code == "conversation_closed"
        else:
            raise AssertionError("a closed conversation accepted a visitor's message")
        assert db.session.get(Conversation, cid).last_seq == 1  # type: ignore[union-attr]


class _Bookkeeper(InboundProcessor):
    """A processor that keeps data of its own, like the media plugin binding an upload."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        def keep(message: MessageView) -> None:
            ctx.db_session.add(
                AuditEntry(
                    actor="plugin",
                    action="test.seen",
                    target_type=draft.text,
                    target_id=f"{message.conversation_id}:{message.seq}",
                )
            )

        ctx.in_message_transaction(keep)
        return draft


class _Scribbler(InboundProcessor):
    """Writes in process() itself, which the core refuses (discarded, counted)."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        ctx.db_session.add(
            AuditEntry(actor="plugin", action="test.scribbled", target_type="t", target_id="x")
        )
        return draft


def test_a_hooks_own_data_is_stored_with_the_message(
    chinwag_app: Any, socket_client: Any, demo_site: Any, visitor_session: Any
) -> None:
    bookkeeper = register_plugin(chinwag_app, "bookkeeper", _Bookkeeper)
    scribbler = register_plugin(chinwag_app, "scribbler", _Scribbler)
    s = visitor_session()
    v = socket_client(
        "/widget", {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    )
    first = v.emit(
        "message.send", {"client_msg_id": "k1", "text": "one"}, namespace="/widget", callback=True
    )
    conv = first["message"]["conversation_id"]
    ack = v.emit(
        "message.send",
        {"conversation_id": conv, "client_msg_id": "k2", "text": "two"},
        namespace="/widget",
        callback=True,
    )
    assert ack["ok"] and ack["message"]["seq"] == 2
    with chinwag_app.app_context():
        seen = {
            (r.target_type, r.target_id)
            for r in db.session.query(AuditEntry).filter_by(action="test.seen")
        }
        scribbled = db.session.query(AuditEntry).filter_by(action="test.scribbled").count()
    # the first message's write knows the conversation that message opened
    assert seen == {("one", f"{conv}:1"), ("two", f"{conv}:2")}
    assert scribbled == 0
    assert scribbler.health()["failures"] == 2 and bookkeeper.health()["failures"] == 0


def _job(conversation_id: int, sender: str, key: str, visitor_id: int | None) -> Job:
    kind = sender.split(":")[0]
    values = {
        "conversation_id": conversation_id,
        "sender": sender,
        "client_msg_id": key,
        "author_kind": kind,
        "author_user_id": None,
        "author_name": None,
        "text": key,
        "blocks": [{"type": "suggestions", "items": [key]}],
        "annotations": {"key": key},
        "created_at": actions.stored_now(),
        "visitor_text": None,  # no agents' view: the visitor sees the message itself
        "visitor_blocks": None,
    }
    return Job(values, visitor_id)


def test_one_batch_settles_each_message_on_its_own(chinwag_app: Any, demo_site: Any) -> None:
    """One group-commit batch mixing conversations, senders, a closed conversation, a foreign
    visitor and re-sends (stored before, and twice within the batch): every message is stored
    or handed back to the one-message path on its own, and what is stored reads back the same."""
    site_id = demo_site["id"]
    v1, v2 = _visitor(chinwag_app, site_id), _visitor(chinwag_app, site_id)
    a, b = _open(chinwag_app, v1, site_id), _open(chinwag_app, v2, site_id)
    with chinwag_app.app_context():
        actions.set_status(_admin(chinwag_app), b, "closed")
        jobs = [
            _job(b, f"visitor:{v2}", "b1", v2),  # closed: the visitor may not write
            _job(a, f"visitor:{v1}", "a1", v1),
            _job(b, "bot:helper", "g2", None),  # others still may
            _job(a, "bot:helper", "g1", None),
            _job(a, f"visitor:{v1}", "a1", v1),  # the same key again in this batch
            _job(a, f"visitor:{v2}", "x", v2),  # not v2's conversation
            _job(a, f"visitor:{v1}", "open", v1),  # re-send of the opening message
            _job(a, f"visitor:{v1}", "a2", v1),
        ]
        state().group_commit._write(jobs)  # one batch, as one leader writes it
        stored = {j.values["client_msg_id"]: j.result for j in jobs if j.result is not None}
        sent = {j.values["client_msg_id"]: j.values for j in jobs if j.result is not None}
        assert [j.result is not None for j in jobs] == [0, 1, 1, 1, 0, 0, 0, 1]
        assert {k: r[0]["last_seq"] for k, r in stored.items()} == {
            "a1": 2,
            "g1": 3,
            "a2": 4,
            "g2": 2,
        }
        db.session.expire_all()
        for key, (conv, message_id, inbox_id) in stored.items():
            row = db.session.get(Message, message_id)
            assert row is not None and (row.client_msg_id, row.seq) == (key, conv["last_seq"])
            acked = Message(id=message_id, seq=conv["last_seq"], **sent[key])  # as the ack says
            assert MessageOut().dump(row) == actions.message_dict(acked)
            event = db.session.get(InboxEvent, inbox_id)
            assert event is not None and event.payload == {
                "conversation_id": conv["id"],
                "seq": conv["last_seq"],
                "message_id": message_id,
            }
        read_back = ConversationOut().dump(db.session.get(Conversation, a))
        assert read_back == actions.conversation_dict(Conversation(**stored["a2"][0]))
        assert db.session.get(Conversation, b).last_seq == 2  # type: ignore[union-attr]

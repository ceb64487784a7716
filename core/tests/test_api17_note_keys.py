"""A plugin's keyed internal note (plugin API 1.7, ``ctx.post_note(..., key=)``): stored at most
once per (plugin, conversation, key), also when two workers post it at the same moment; the
agent sees one note. SQLite and PostgreSQL (``chinwag_app`` runs on both)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from chinwag import inbox_surface
from chinwag.testing import AgentClient, VisitorClient, app_session, plugin_context, register_plugin


def agent_notes(client: FlaskClient, agent: AgentClient, cid: int) -> list[dict[str, Any]]:
    res = client.get(f"/api/v1/inbox/conversations/{cid}/notes", headers=agent.headers)
    assert res.status_code == 200, res.get_json()
    notes: list[dict[str, Any]] = res.get_json()["notes"]
    return notes


def test_a_keyed_note_is_stored_once_per_plugin_and_conversation(
    chinwag_app: Any,
    chinwag_client: FlaskClient,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    register_plugin(chinwag_app, "noter")
    register_plugin(chinwag_app, "other-noter")
    visitor, elsewhere = visitor_client(), visitor_client()
    visitor.send("hello")
    elsewhere.send("hi")
    cid, cid2 = visitor.conversation_id, elsewhere.conversation_id
    assert cid is not None and cid2 is not None
    with app_session(chinwag_app):
        ctx = plugin_context(chinwag_app, "noter")
        first = ctx.post_note(cid, "handed off: no passage", key="handoff:1")
        assert ctx.post_note(cid, "handed off again", key="handoff:1") == first
        assert ctx.post_note(cid, "another question", key="handoff:2") != first
        assert ctx.post_note(cid2, "same key elsewhere", key="handoff:1") != first
        other = plugin_context(chinwag_app, "other-noter")
        assert other.post_note(cid, "same key, other plugin", key="handoff:1") != first
        # without a key every call stores a note, as before 1.7
        assert ctx.post_note(cid, "plain") != ctx.post_note(cid, "plain")
        for bad in ("", "has space", "x" * 65, 7):
            with pytest.raises(ValueError):
                ctx.post_note(cid, "bad key", key=bad)  # type: ignore[arg-type]
        with pytest.raises(LookupError):
            ctx.post_note(10**9, "nowhere", key="handoff:1")
    texts = [n["text"] for n in agent_notes(chinwag_client, agent_client(), cid)]
    assert texts == [
        "handed off: no passage",
        "another question",
        "same key, other plugin",
        "plain",
        "plain",
    ]


def test_two_workers_posting_the_same_key_at_once_store_one_note(
    chinwag_app: Any,
    chinwag_client: FlaskClient,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both callers find no note (each waits for the other after its look-up), then both
    insert: the unique index refuses one, which returns the other's note."""
    register_plugin(chinwag_app, "noter")
    visitor = visitor_client()
    visitor.send("hello")
    cid = visitor.conversation_id
    assert cid is not None
    looked_up = threading.Barrier(2, timeout=30)
    real = inbox_surface._keyed_note
    seen: set[int] = set()

    def racing(conversation_id: int, plugin: str, key: str) -> Any:
        found = real(conversation_id, plugin, key)
        if threading.get_ident() not in seen:
            seen.add(threading.get_ident())
            assert found is None
            looked_up.wait()  # neither inserts before both looked
        return found

    monkeypatch.setattr(inbox_surface, "_keyed_note", racing)
    ids: list[int] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with app_session(chinwag_app):
                ctx = plugin_context(chinwag_app, "noter")
                ids.append(ctx.post_note(cid, f"from worker {n}", key="handoff:9"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(ids) == 2 and ids[0] == ids[1]
    notes = agent_notes(chinwag_client, agent_client(), cid)
    assert [n["id"] for n in notes] == [ids[0]]
    assert notes[0]["text"] in {"from worker 0", "from worker 1"}

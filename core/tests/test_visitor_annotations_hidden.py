"""Annotations are what plugins note for agents (a detected language, a redaction, advice): the
visitor never gets them, on any path a message reaches them by. The REST gap fetch (used after a
reconnect) used to dump the stored row with its annotations to the visitor; the socket paths
(ack, ``message.new``, ``conversation.sync``) already sent null."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from chinwag_plugin_api import InboundProcessor, MessageDraft, OutboundProcessor, PluginContext

from chinwag.testing import AgentClient, VisitorClient, register_plugin

SECRET = {"internal": {"risk": "agent-only note"}}


class _Notes(InboundProcessor):
    """Notes something for agents on every message sent."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        return dataclasses.replace(draft, annotations={**draft.annotations, **SECRET})


class _OutNotes(OutboundProcessor):
    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        return dataclasses.replace(draft, annotations={**draft.annotations, **SECRET})


def _leaks(message: dict[str, Any]) -> bool:
    return "agent-only note" in repr(message) or message.get("annotations") is not None


def test_an_agent_only_annotation_never_reaches_the_visitor(
    chinwag_app: Any,
    chinwag_client: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., AgentClient],
) -> None:
    register_plugin(chinwag_app, "agent-notes", _Notes, _OutNotes)
    visitor = visitor_client()
    agent = agent_client("admin")
    ack = visitor.send("hello, my card is in the post")
    assert ack["ok"], ack
    conv = visitor.conversation_id
    assert not _leaks(ack["message"]), ack
    reply = agent.emit(
        "message.send",
        {"conversation_id": conv, "client_msg_id": "agent-1", "text": "Thanks, looking now"},
    )
    assert reply["ok"], reply
    # the agent has the annotation on both messages: the plugin's note is really there
    rest_agent = chinwag_client.get(
        f"/api/v1/conversations/{conv}/messages?after_seq=0", headers=agent.headers
    )
    assert rest_agent.status_code == 200, rest_agent.get_json()
    agent_rows = rest_agent.get_json()["messages"]
    assert len(agent_rows) == 2
    assert all(m["annotations"]["internal"] == SECRET["internal"] for m in agent_rows)
    # the visitor: over REST (the gap fetch after a reconnect) ...
    rest = chinwag_client.get(
        f"/api/v1/conversations/{conv}/messages?after_seq=0", headers=visitor.headers
    )
    assert rest.status_code == 200, rest.get_json()
    rows = rest.get_json()["messages"]
    assert [m["text"] for m in rows] == ["hello, my card is in the post", "Thanks, looking now"]
    assert not any(_leaks(m) for m in rows), rows
    # ... and over the socket: the live delivery and the sync
    live = visitor.wait_for("message.new", lambda d: d["message"]["author_kind"] == "agent")
    assert not _leaks(live["message"]), live
    synced = visitor.emit("conversation.sync", {"conversation_id": conv, "after_seq": 0})
    assert synced["ok"] and len(synced["messages"]) == 2, synced
    assert not any(_leaks(m) for m in synced["messages"]), synced
    assert not any(_leaks(e["args"][0]["message"]) for e in visitor.events("message.new"))

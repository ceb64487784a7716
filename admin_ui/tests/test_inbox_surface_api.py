"""The inbox's plugin surface through the plugin API (SQLite and PostgreSQL): ``ctx.annotate`` /
``ctx.clear_annotation`` reach agents live and the inbox API, ``ctx.post_note`` and an agent's
note reach agents and never the visitor, panels are collected and checked, and everything a
disabled plugin put there is gone (and back when it is enabled again); the visitor's privacy
export carries the notes and annotations of their conversations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import pytest
from chinwag_plugin_api import (
    ActionSubmit,
    Button,
    ConversationView,
    InboxPanel,
    InboxPanels,
    PluginContext,
    SocketEvent,
    SocketHandlers,
    Text,
    components_reply,
)
from chinwag_plugin_api.widget import Action

from chinwag.testing import enable_plugin, plugin_context, register_plugin


class Panels(InboxPanels):
    def panels(self, ctx: PluginContext, conversation: ConversationView) -> Sequence[InboxPanel]:
        return [
            InboxPanel(
                "Order status",
                (
                    Text(f"Conversation {conversation.id}: 2 open orders"),
                    Button("Refresh", Action("crm.refresh")),
                ),
            )
        ]


def refresh(ctx: PluginContext, payload: dict[str, Any], actor: Mapping[str, Any]) -> Any:
    return components_reply(Text("Refreshed"))


class Events(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [SocketEvent("crm.refresh", ActionSubmit, refresh, namespaces=("/agent",))]


class BadPanels(InboxPanels):
    def panels(self, ctx: PluginContext, conversation: ConversationView) -> Sequence[InboxPanel]:
        return [InboxPanel("Bad", (Button("Spoof", Action("other.thing")),))]


def api(client: Any, agent: Any, path: str) -> Any:
    res = client.get(f"/api/v1/inbox/conversations/{path}", headers=agent.headers)
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def test_annotations_are_pushed_to_agents_listed_and_gone_when_disabled(
    chinwag_app: Any, chinwag_client: Any, visitor_client: Any, agent_client: Any
) -> None:
    register_plugin(chinwag_app, "crm", Panels, Events)
    visitor = visitor_client()
    agent = agent_client()
    first = visitor.send("My order is late and I am angry")["message"]
    conv = visitor.conversation_id
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "crm")
        ctx.annotate(conv, "sentiment", label="Negative sentiment", tone="negative")
        ctx.annotate(conv, "lang", label="English", message_id=first["id"], detail="99 %")
    pushed = agent.wait_for("annotation.update", lambda d: d["key"] == "sentiment")
    assert pushed["conversation_id"] == conv and pushed["message_id"] is None
    assert pushed["annotation"]["label"] == "Negative sentiment"
    assert pushed["annotation"]["tone"] == "negative"
    on_message = agent.wait_for("annotation.update", lambda d: d["key"] == "lang")
    assert on_message["message_id"] == first["id"]

    # the list row carries the conversation's own annotations; the thread all of them
    rows = chinwag_client.get("/api/v1/inbox/conversations", headers=agent.headers).get_json()
    row = next(r for r in rows if r["id"] == conv)
    assert [(a["key"], a["label"]) for a in row["annotations"]] == [
        ("sentiment", "Negative sentiment")
    ]
    listed = api(chinwag_client, agent, f"{conv}/annotations")["annotations"]
    assert {(a["key"], a["message_id"]) for a in listed} == {
        ("sentiment", None),
        ("lang", first["id"]),
    }

    # annotating the same key replaces it; clearing removes it, live
    with chinwag_app.app_context():
        ctx.annotate(conv, "sentiment", label="Calmer now", tone="positive")
    assert agent.wait_for("annotation.update")["annotation"]["label"] == "Calmer now"
    with chinwag_app.app_context():
        assert ctx.clear_annotation(conv, "lang", message_id=first["id"]) is True
        assert ctx.clear_annotation(conv, "lang", message_id=first["id"]) is False
    cleared = agent.wait_for("annotation.update", lambda d: d["key"] == "lang")
    assert cleared["annotation"] is None
    assert [
        a["label"] for a in api(chinwag_client, agent, f"{conv}/annotations")["annotations"]
    ] == ["Calmer now"]

    # the visitor never hears of annotations
    assert not visitor.events("annotation.update")

    # the plugin switched off: agents are told to reload, and nothing of it is listed
    enable_plugin(chinwag_app, "crm", False)
    agent.wait_for("inbox.surface_changed")
    assert api(chinwag_client, agent, f"{conv}/annotations")["annotations"] == []
    assert api(chinwag_client, agent, f"{conv}/panels")["panels"] == []
    rows = chinwag_client.get("/api/v1/inbox/conversations", headers=agent.headers).get_json()
    assert next(r for r in rows if r["id"] == conv)["annotations"] == []
    enable_plugin(chinwag_app, "crm", True)
    assert [
        a["label"] for a in api(chinwag_client, agent, f"{conv}/annotations")["annotations"]
    ] == ["Calmer now"]


def test_annotate_refuses_bad_values_and_unknown_targets(
    chinwag_app: Any, visitor_client: Any
) -> None:
    register_plugin(chinwag_app, "crm", Panels, Events)
    visitor = visitor_client()
    visitor.send("hello")
    conv = visitor.conversation_id
    assert conv is not None
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "crm")
        with pytest.raises(ValueError, match="tone"):
            ctx.annotate(conv, "k", label="x", tone="red")
        with pytest.raises(ValueError, match="key"):
            ctx.annotate(conv, "no spaces", label="x")
        with pytest.raises(ValueError, match="label"):
            ctx.annotate(conv, "k", label="x" * 81)
        with pytest.raises(LookupError):
            ctx.annotate(conv + 1000, "k", label="x")
        with pytest.raises(LookupError):
            ctx.annotate(conv, "k", label="x", message_id=10**6)
        with pytest.raises(ValueError):
            ctx.post_note(conv, "   ")


def test_notes_reach_agents_and_never_the_visitor(
    chinwag_app: Any, chinwag_client: Any, visitor_client: Any, agent_client: Any
) -> None:
    register_plugin(chinwag_app, "crm", Panels, Events)
    visitor = visitor_client()
    agent = agent_client()
    visitor.send("Can I get a refund?")
    conv = visitor.conversation_id
    res = chinwag_client.post(
        f"/api/v1/inbox/conversations/{conv}/notes",
        json={"text": "VIP customer: refund approved by Sam"},
        headers=agent.headers,
    )
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["author_kind"] == "agent"
    with chinwag_app.app_context():
        note_id = plugin_context(chinwag_app, "crm").post_note(conv, "CRM: 2 open orders")
    pushed = [agent.wait_for("note.new")["note"], agent.wait_for("note.new")["note"]]
    assert [n["text"] for n in pushed] == [
        "VIP customer: refund approved by Sam",
        "CRM: 2 open orders",
    ]
    assert pushed[1]["id"] == note_id and pushed[1]["author_name"] == "crm"
    listed = api(chinwag_client, agent, f"{conv}/notes")["notes"]
    assert [n["author_kind"] for n in listed] == ["agent", "plugin"]

    # nothing of a note reaches the visitor: no event, no message, not in a sync
    visitor.send("Thanks")
    names = {e["name"] for e in visitor.events()}
    assert "note.new" not in names
    texts = [m["text"] for m in visitor.messages()]
    assert not any("VIP" in t or "CRM" in t for t in texts)
    sync = visitor.emit("conversation.sync", {"conversation_id": conv, "after_seq": 0})
    assert sync["ok"] and not any("VIP" in m["text"] for m in sync["messages"])

    # bad input is a stable error, not a 500
    for bad in ({"text": ""}, {"text": "x" * 4001}, {"text": "ok", "extra": 1}, {}):
        res = chinwag_client.post(
            f"/api/v1/inbox/conversations/{conv}/notes", json=bad, headers=agent.headers
        )
        assert res.status_code == 400 and res.get_json()["error"]["code"] == "validation_error"
    res = chinwag_client.post(
        "/api/v1/inbox/conversations/999999/notes", json={"text": "x"}, headers=agent.headers
    )
    assert res.status_code == 404
    assert chinwag_client.get(f"/api/v1/inbox/conversations/{conv}/notes").status_code == 401

    # a disabled plugin's notes are hidden from the thread; the agent's stay
    enable_plugin(chinwag_app, "crm", False)
    assert [n["author_kind"] for n in api(chinwag_client, agent, f"{conv}/notes")["notes"]] == [
        "agent"
    ]

    # the visitor's privacy export carries the notes about them
    admin = agent_client("admin")
    with chinwag_app.app_context():
        plugin_context(chinwag_app, "crm").annotate(conv, "vip", label="VIP")
    export = chinwag_client.get(
        f"/api/v1/visitors/{visitor.visitor_id}/export", headers=admin.headers
    ).get_json()
    exported = export["conversations"][0]
    assert [n["text"] for n in exported["internal_notes"]] == [
        "VIP customer: refund approved by Sam",
        "CRM: 2 open orders",
    ]
    assert [a["label"] for a in exported["annotations"]] == ["VIP"]


def test_panels_render_from_data_and_their_actions_answer(
    chinwag_app: Any, chinwag_client: Any, visitor_client: Any, agent_client: Any
) -> None:
    register_plugin(chinwag_app, "crm", Panels, Events)
    bad = register_plugin(chinwag_app, "spoof", BadPanels)
    visitor = visitor_client()
    agent = agent_client()
    visitor.send("hi")
    conv = visitor.conversation_id
    panels = api(chinwag_client, agent, f"{conv}/panels")["panels"]
    assert [(p["plugin"], p["title"]) for p in panels] == [("crm", "Order status")]
    assert panels[0]["components"][0] == {
        "type": "text",
        "text": f"Conversation {conv}: 2 open orders",
        "style": "body",
    }
    # a panel naming an event its plugin does not answer on /agent is refused, and reported
    assert any("inbox panels refused" in str(v) for v in bad.health().values())
    ack = agent.emit("crm.refresh", {"payload": {}, "values": {}, "conversation_id": conv})
    assert ack["ok"] and ack["components"] == [
        {"type": "text", "text": "Refreshed", "style": "body"}
    ]


def test_snooze_hides_until_the_time_or_the_visitor_writes(
    chinwag_app: Any, chinwag_client: Any, visitor_client: Any, agent_client: Any, clock: Any
) -> None:
    visitor = visitor_client()
    agent = agent_client()
    visitor.send("I'll be back after lunch")
    conv = visitor.conversation_id

    def listed(status: str) -> list[int]:
        res = chinwag_client.get(
            f"/api/v1/inbox/conversations?status={status}", headers=agent.headers
        )
        assert res.status_code == 200, res.get_json()
        return [r["id"] for r in res.get_json()]

    def snooze(until: Any) -> Any:
        return chinwag_client.put(
            f"/api/v1/inbox/conversations/{conv}/snooze",
            json={"until": until},
            headers=agent.headers,
        )

    def minutes(n: float) -> str:
        return str((clock.now() + timedelta(minutes=n)).isoformat())

    res = snooze(minutes(5))
    assert res.status_code == 200, res.get_json()
    assert listed("open") == [] and listed("snoozed") == [conv]
    rows = chinwag_client.get(
        "/api/v1/inbox/conversations?status=snoozed", headers=agent.headers
    ).get_json()
    assert rows[0]["snoozed_until"].startswith(minutes(5)[:16])
    agent.wait_for("conversation.update", lambda d: d["conversation"]["id"] == conv)

    # a visitor's message wakes it at once
    visitor.send("Back!")
    assert listed("open") == [conv] and listed("snoozed") == []

    # and it comes back by itself once the time has passed
    assert snooze(minutes(5)).status_code == 200
    assert listed("open") == []
    clock.advance(minutes=6)
    assert listed("open") == [conv] and listed("snoozed") == []

    # bad input: past, too far, no offset, not a time; closed conversations cannot be snoozed
    assert snooze(minutes(-5)).get_json()["error"]["code"] == "bad_snooze"
    assert snooze(minutes(91 * 24 * 60)).get_json()["error"]["code"] == "bad_snooze"
    assert snooze("2030-01-01T09:00:00").status_code == 400
    assert snooze("tomorrow").status_code == 400
    assert snooze(None).status_code == 200
    agent.emit("conversation.close", {"conversation_id": conv})
    assert snooze(minutes(5)).get_json()["error"]["code"] == "not_open"

"""``mode: agents`` (docs/redaction.md "Who sees what"): a visitor's card number is masked in
every agent-facing path — the ``/agent`` socket, the inbox's REST, search and its snippets, the
database row agents read — while the visitor's own copy (acknowledgement, history, REST gap
fetch, transcript export) keeps what they wrote; a failing masker withholds the message from
agents instead of showing it."""

from __future__ import annotations

from typing import Any

import chinwag_redact.processor as processor
import pytest
from chinwag_plugin_api import WITHHELD_TEXT
from sqlalchemy import text

from chinwag.testing import PluginHandle, app_session, configure_plugin

CARD = "5555 5555 5555 4444"
MASKED = "•••• •••• •••• 4444"


@pytest.fixture
def agents_mode(redact: Any) -> Any:
    configure_plugin(redact, "chinwag-redact", mode="agents")
    return redact


def _row(app: Any, message_id: int) -> tuple[str, str | None]:
    with app_session(app) as session:
        row = session.execute(
            text("SELECT text, visitor_text FROM messages WHERE id = :id"), {"id": message_id}
        ).one()
    return row[0], row[1]


def test_agents_see_the_mask_and_the_visitor_keeps_what_they_wrote(
    agents_mode: Any, visitor_client: Any, agent_client: Any, chinwag_client: Any, admin_token: str
) -> None:
    agent = agent_client()
    visitor = visitor_client()
    said = f"refund to {CARD} please"
    ack = visitor.send(said)
    assert ack["ok"], ack
    mine = ack["message"]
    assert mine["text"] == said and mine["annotations"] is None
    assert "card number" in mine["blocks"][-1]["text"]  # the visitor is told what agents miss

    # the /agent socket
    seen = agent.wait_for("message.new", lambda d: d["message"]["id"] == mine["id"])["message"]
    assert seen["text"] == f"refund to {MASKED} please"
    assert seen["annotations"]["redact"] == {"hidden": {"card number": 1}}
    assert CARD not in str(seen)
    # the database row every agent path reads holds the mask; the visitor's copy beside it
    assert _row(agents_mode, mine["id"]) == (seen["text"], said)

    conv = visitor.conversation_id
    # the inbox's REST: the agent's gap fetch, the list's preview, search and its snippets
    gap = chinwag_client.get(f"/api/v1/conversations/{conv}/messages", headers=agent.headers)
    assert [m["text"] for m in gap.get_json()["messages"]] == [seen["text"]]
    inbox = chinwag_client.get("/api/v1/inbox/conversations", headers=agent.headers).get_json()
    assert CARD not in str(inbox) and MASKED in str(inbox)
    for q in ("refund", "4444"):
        found = chinwag_client.get(
            f"/api/v1/inbox/conversations?q={q}", headers=agent.headers
        ).get_json()
        assert CARD not in str(found)
    card_search = chinwag_client.get(
        "/api/v1/inbox/conversations?q=5555", headers=agent.headers
    ).get_json()
    assert [c["id"] for c in card_search] == []  # the hidden digits find nothing
    refund = chinwag_client.get(
        "/api/v1/inbox/conversations?q=refund", headers=agent.headers
    ).get_json()
    assert [c["id"] for c in refund] == [conv]

    # the visitor's own copy: socket history, REST gap fetch, their export
    history = visitor.emit("conversation.sync", {"conversation_id": conv, "after_seq": 0})
    assert [m["text"] for m in history["messages"]] == [said]
    own = chinwag_client.get(f"/api/v1/conversations/{conv}/messages", headers=visitor.headers)
    assert [m["text"] for m in own.get_json()["messages"]] == [said]
    export = chinwag_client.get(
        f"/api/v1/visitors/{visitor.session['visitor_id']}/export",
        headers={"Authorization": f"Bearer {admin_token}"},
    ).get_json()
    (message,) = export["conversations"][0]["messages"]
    assert message["visitor_text"] == said and message["text"] == seen["text"]

    # a follow-up in the open conversation (the group commit's path) is split the same way
    later = visitor.send(f"again: {CARD}", conversation_id=conv)["message"]
    assert later["text"] == f"again: {CARD}"
    echo = agent.wait_for("message.new", lambda d: d["message"]["id"] == later["id"])["message"]
    assert echo["text"] == f"again: {MASKED}"
    assert _row(agents_mode, later["id"]) == (echo["text"], later["text"])


def test_storage_mode_is_still_the_default(redact: Any, visitor_client: Any) -> None:
    ack = visitor_client().send(f"card {CARD}")
    assert ack["message"]["text"] == f"card {MASKED}"
    assert _row(redact, ack["message"]["id"]) == (f"card {MASKED}", None)


def test_a_failing_masker_withholds_the_message_from_agents(
    agents_mode: Any, visitor_client: Any, agent_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail closed: the message is stored and the visitor keeps it, agents get the withheld
    placeholder, never the card number; the failure is in the plugin's health."""

    def broken(draft: Any, options: Any, notice: bool) -> Any:
        raise RuntimeError("detector exploded")

    monkeypatch.setattr(processor, "redact_draft", broken)
    agent = agent_client()
    visitor = visitor_client()
    ack = visitor.send(f"card {CARD}")
    assert ack["ok"], ack
    assert ack["message"]["text"] == f"card {CARD}"
    seen = agent.wait_for("message.new", lambda d: d["message"]["id"] == ack["message"]["id"])
    assert seen["message"]["text"] == WITHHELD_TEXT and seen["message"]["blocks"] == []
    assert seen["message"]["annotations"]["chinwag"] == {"withheld": "chinwag-redact"}
    assert _row(agents_mode, ack["message"]["id"]) == (WITHHELD_TEXT, f"card {CARD}")
    # both hooks failed (the notice and the mask): each is counted
    assert PluginHandle(agents_mode, "chinwag-redact").health()["failures"] == 2
    # chat goes on
    assert visitor.send("still there?")["ok"]


def test_an_unknown_mode_is_refused(redact: Any) -> None:
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as err:
        configure_plugin(redact, "chinwag-redact", mode="sometimes")
    assert "mode" in str(err.value.messages)

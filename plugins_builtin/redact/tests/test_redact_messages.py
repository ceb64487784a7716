"""Redaction on the send path, over the protocol clients of chinwag.testing: what the database,
the agent and the visitor hold after a visitor sends personal data, per the site's settings;
a re-send is not processed twice; a failing redactor never loses the message."""

from __future__ import annotations

import json
from typing import Any

import chinwag_redact.processor as processor
import pytest
from marshmallow import ValidationError
from sqlalchemy import text

from chinwag.testing import PluginHandle, app_session, configure_plugin

CARD = "4242 4242 4242 4242"
MASKED = "•••• •••• •••• 4242"


def stored(app: Any, message_id: int) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """A message's text, blocks and annotations as the database holds them."""
    with app_session(app) as session:
        row = session.execute(
            text("SELECT text, blocks, annotations FROM messages WHERE id = :id"),
            {"id": message_id},
        ).one()

    def loaded(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    return row[0], loaded(row[1]) or [], loaded(row[2]) or {}


def test_a_card_number_is_masked_for_everyone_and_the_visitor_is_told(
    redact: Any, visitor_client: Any, agent_client: Any
) -> None:
    agent = agent_client()
    visitor = visitor_client()
    ack = visitor.send(f"my card is {CARD}, can you refund?")
    assert ack["ok"], ack
    mine = ack["message"]
    assert mine["text"] == f"my card is {MASKED}, can you refund?"
    # the visitor's copy says something was hidden, in a block the widget renders
    assert mine["blocks"][-1]["type"] == "text"
    assert "card number" in mine["blocks"][-1]["text"]
    assert mine["annotations"] is None  # annotations are for agents

    text_, blocks, annotations = stored(redact, mine["id"])
    assert CARD not in text_ and text_ == mine["text"]
    assert blocks == mine["blocks"]
    assert annotations["redact"] == {"hidden": {"card number": 1}}

    seen = agent.wait_for("message.new", lambda d: d["message"]["id"] == mine["id"])["message"]
    assert seen["text"] == mine["text"] and seen["annotations"]["redact"]["hidden"]
    history = visitor.emit(
        "conversation.sync", {"conversation_id": visitor.conversation_id, "after_seq": 0}
    )
    assert history["ok"], history
    assert [m["text"] for m in history["messages"]] == [mine["text"]]


def test_nothing_to_hide_leaves_the_message_as_sent(redact: Any, visitor_client: Any) -> None:
    visitor = visitor_client()
    ack = visitor.send("order #100234567 from 2026-12-02, card 4242 4242 4242 4241")
    assert ack["message"]["text"] == "order #100234567 from 2026-12-02, card 4242 4242 4242 4241"
    assert ack["message"]["blocks"] == []
    assert stored(redact, ack["message"]["id"])[2] == {}


def test_per_site_settings_choose_what_is_hidden(
    redact: Any, visitor_client: Any, demo_site: dict[str, Any]
) -> None:
    configure_plugin(
        redact,
        "chinwag-redact",
        cards=False,
        notice="",
        sites={
            str(demo_site["id"]): {
                "emails": True,
                "phones": True,
                "phone_region": "GB",
                "national_ids": [
                    {"name": "NHS number", "pattern": r"\b\d{3} \d{3} \d{4}\b", "checksum": "mod11"}
                ],
            }
        },
    )
    visitor = visitor_client()
    ack = visitor.send(
        f"{CARD}, me@example.com, 020 7946 0958, NHS 943 476 5919 (not 943 476 5918)"
    )
    assert ack["message"]["text"] == (
        f"{CARD}, •••@example.com, ••• •••• ••58, NHS ••• ••• •••• (not 943 476 5918)"
    )
    assert ack["message"]["blocks"] == []  # notice switched off
    hidden = stored(redact, ack["message"]["id"])[2]["redact"]["hidden"]
    assert hidden == {"e-mail address": 1, "phone number": 1, "NHS number": 1}


def test_text_blocks_are_masked_too(redact: Any, visitor_client: Any) -> None:
    visitor = visitor_client()
    ack = visitor.send("", blocks=[{"type": "text", "text": "IBAN GB82WEST12345698765432"}])
    assert ack["ok"], ack
    assert ack["message"]["blocks"][0]["text"] == "IBAN GB••••••••••••••••5432"


def test_agent_messages_are_masked_only_when_the_site_asks(
    redact: Any, visitor_client: Any, agent_client: Any
) -> None:
    visitor = visitor_client()
    visitor.send("hello")
    agent = agent_client()
    said = agent.send(f"your card {CARD}?", conversation_id=visitor.conversation_id)
    assert said["message"]["text"] == f"your card {CARD}?"
    configure_plugin(redact, "chinwag-redact", agent_messages=True)
    said = agent.send(f"your card {CARD}?", conversation_id=visitor.conversation_id)
    assert said["message"]["text"] == f"your card {MASKED}?"
    assert said["message"]["blocks"] == []  # the notice is for visitors' own messages


def test_a_resent_client_msg_id_is_processed_once(
    redact: Any, visitor_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = processor.redact_draft

    def counted(draft: Any, options: Any, notice: bool) -> Any:
        calls.append(draft.text)
        return real(draft, options, notice)

    monkeypatch.setattr(processor, "redact_draft", counted)
    visitor = visitor_client()
    first = visitor.send(f"card {CARD}", client_msg_id="pay-1")
    again = visitor.send(f"card {CARD}", client_msg_id="pay-1")
    later = visitor.send(f"card {CARD}", client_msg_id="pay-1")
    assert first["message"]["id"] == again["message"]["id"] == later["message"]["id"]
    assert again["message"]["text"] == f"card {MASKED}"
    assert calls == [f"card {CARD}"]
    visitor.send(f"card {CARD}", client_msg_id="pay-2")
    assert len(calls) == 2


def test_a_failing_redactor_never_loses_the_message(
    redact: Any, visitor_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core skips a processor that raises and stores the message as sent, counting the
    failure in the plugin's health: the message is kept (unmasked), admins see the failure."""

    def broken(draft: Any, options: Any, notice: bool) -> Any:
        raise RuntimeError("detector exploded")

    monkeypatch.setattr(processor, "redact_draft", broken)
    visitor = visitor_client()
    ack = visitor.send(f"card {CARD}")
    assert ack["ok"], ack
    assert stored(redact, ack["message"]["id"])[0] == f"card {CARD}"
    assert PluginHandle(redact, "chinwag-redact").health()["failures"] == 1


def test_bad_settings_are_refused_with_a_clear_error(redact: Any) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"national_ids": [{"name": "SSN", "pattern": "(\\d{3}"}]}, "not a valid regular"),
        ({"national_ids": [{"name": "X", "pattern": "\\d*"}]}, "empty text"),
        ({"national_ids": [{"name": "X", "pattern": "(\\d+-?)+x"}]}, "repeats a repetition"),
        ({"national_ids": [{"name": "X", "pattern": "\\d+", "checksum": "crc"}]}, "one of"),
        ({"phone_region": "XX"}, "not a region"),
        ({"sites": {"1": {"national_ids": [{"name": "Y", "pattern": "["}]}}}, "Y: not a valid"),
    ]
    for settings, message in cases:
        with pytest.raises(ValidationError) as err:
            configure_plugin(redact, "chinwag-redact", **settings)
        assert message in str(err.value.messages), (settings, err.value.messages)


def test_bad_settings_through_the_api_answer_400(
    redact: Any, chinwag_client: Any, admin_token: str
) -> None:
    res = chinwag_client.patch(
        "/api/v1/plugins/chinwag-redact",
        json={"settings": {"national_ids": [{"name": "SSN", "pattern": "(\\d{3}"}]}},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 400, res.get_json()
    body = res.get_json()
    assert body["error"]["code"] and "not a valid regular expression" in str(body)


def test_the_admin_gets_the_settings_form_with_its_defaults(
    redact: Any, chinwag_client: Any, admin_token: str
) -> None:
    res = chinwag_client.get(
        "/api/v1/plugins/chinwag-redact", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["display_name"] == "PII redaction" and body["enabled"]
    fields = {f["name"]: f for f in body["settings_schema"]}
    assert {"cards", "ibans", "emails", "phones", "national_ids", "sites"} <= set(fields)
    assert "checksum" in fields["national_ids"]["description"]
    assert body["settings"]["cards"] is True and body["settings"]["phones"] is False

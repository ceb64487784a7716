"""Chips tailored to a visitor's attributes (segments) need the ``personalisation`` consent
purpose on a site that requires consent, and a thumbs up on a bot answer (the feedback plugin's
rating) ranks the question it answered higher among the site's most-asked questions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
from test_suggest import ask, chips, resolved_conversation

from chinwag.testing import configure_plugin, enable_plugin

VERSION = "2026-12"
SEAT = "How do I add a seat?"


def _pro(demo_site: dict[str, Any], who: str, **session: Any) -> dict[str, Any]:
    """Widget session fields of a visitor the site's signed identity says is on ``plan: pro``."""
    claims = {"sub": f"user-{who}", "plan": "pro", "exp": int(time.time()) + 600}
    token = jwt.encode(claims, demo_site["identity_secret"], algorithm="HS256")
    return {"identity": token, **session}


def answered(visitor: Any, text: str) -> dict[str, Any]:
    """Ask ``text`` and return the bot's answer (the message with a card)."""
    visitor.send(text)
    message: dict[str, Any] = visitor.wait_for(
        "message.new", lambda d: any(b["type"] == "card" for b in d["message"]["blocks"])
    )["message"]
    return message


def rate(visitor: Any, answer: dict[str, Any], value: str) -> None:
    """Rate ``answer`` up or down as the feedback plugin's thumbs in the widget do."""
    body = {
        "payload": {"value": value},
        "values": {},
        "message_id": answer["id"],
        "conversation_id": answer["conversation_id"],
    }
    ack = visitor.emit("feedback.rate", body)
    assert ack["ok"], ack


def test_segment_chips_need_personalisation_consent_where_consent_is_required(
    suggest: Any,
    visitor_client: Callable[..., Any],
    site_settings: Callable[..., dict[str, Any]],
    demo_site: dict[str, Any],
) -> None:
    configure_plugin(
        suggest,
        "chinwag-suggest",
        segments=[{"attribute": "plan", "value": "pro", "questions": [SEAT]}],
    )
    resolved_conversation(visitor_client, "where is my invoice")

    def offered(visitor: Any) -> list[str]:
        visitor.send("reset my password")
        return [str(c) for c in chips(visitor)]

    # a site that does not require consent tailors as before
    assert offered(visitor_client(**_pro(demo_site, "ann")))[0] == SEAT

    site_settings(
        consent_required=True,
        consent_version=VERSION,
        consent_purposes=["analytics", "personalisation"],
        consent_optional_purposes=["personalisation"],
    )
    # personalisation left unticked: the generic chips, the segment's question not among them
    bob = visitor_client(
        **_pro(demo_site, "bob", consent_version=VERSION, consent_purposes=["analytics"])
    )
    assert offered(bob) == ["where is my invoice"]
    # granted: tailored
    cy = visitor_client(
        **_pro(
            demo_site,
            "cy",
            consent_version=VERSION,
            consent_purposes=["analytics", "personalisation"],
        )
    )
    assert offered(cy) == [SEAT, "where is my invoice"]

    # a site that requires consent but does not ask for personalisation has none of it
    site_settings(consent_purposes=["analytics"], consent_optional_purposes=[])
    dee = visitor_client(**_pro(demo_site, "dee", consent_version=VERSION))
    assert offered(dee) == ["where is my invoice"]


def test_a_thumbs_up_ranks_the_question_its_answer_answered_higher(
    suggest: Any, visitor_client: Callable[..., Any]
) -> None:
    enable_plugin(suggest, "chinwag-feedback")
    # asked as often, in conversations the bot resolved: by count alone "cancel my
    # subscription" comes first (ties go by the question's text)
    resolved_conversation(visitor_client, "cancel my subscription")
    rated = visitor_client()
    answer = answered(rated, "where is my invoice")
    ask(rated, "change my email address")  # asked later: the rating is not for its answer
    rate(rated, answer, "up")
    assert rated.emit("conversation.close", {"conversation_id": rated.conversation_id})["ok"]

    visitor = visitor_client()
    visitor.send("reset my password")
    offered = chips(visitor)
    # the thumbs up counts extra for the question the rated answer answered
    assert offered[0] == "where is my invoice", offered
    assert offered.index("cancel my subscription") < offered.index("change my email address")


def test_an_answer_counts_once_and_a_rating_changed_to_down_takes_it_back(
    suggest: Any, visitor_client: Callable[..., Any]
) -> None:
    enable_plugin(suggest, "chinwag-feedback")
    resolved_conversation(visitor_client, "cancel my subscription")
    resolved_conversation(visitor_client, "cancel my subscription")  # weight 2
    again = visitor_client()
    invoice = answered(again, "where is my invoice")
    for _ in range(3):  # rated up three times: one thumbs up, weight 1 + 1
        rate(again, invoice, "up")
    assert again.emit("conversation.close", {"conversation_id": again.conversation_id})["ok"]
    changed = visitor_client()
    email = answered(changed, "change my email address")
    rate(changed, email, "up")
    rate(changed, email, "down")  # taken back: weight 1
    assert changed.emit("conversation.close", {"conversation_id": changed.conversation_id})["ok"]

    visitor = visitor_client()
    visitor.send("reset my password")
    # ties go by the question's text
    assert chips(visitor) == [
        "cancel my subscription",
        "where is my invoice",
        "change my email address",
    ]

"""Suggestion chips over real Socket.IO clients: learned from resolved conversations, offered
after bot answers, clicks and resolutions counted, pinned/hidden/edited by admins."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_plugin_api import VisitorRef
from chinwag_suggest.admin import SuggestionsPage
from chinwag_suggest.models import Question, Suggestion, View
from chinwag_suggest.pick import pick, segment_questions
from chinwag_suggest.privacy import SuggestPrivacy
from chinwag_suggest.routes import form_token
from marshmallow import ValidationError
from sqlalchemy import select

from chinwag.testing import app_session, configure_plugin, enable_plugin, plugin_context

API = "/api/v1/plugins/chinwag-suggest"


def offer(visitor: Any) -> tuple[int, list[str]]:
    """The id and chips of the next bot message carrying a suggestions block."""

    def has_chips(data: Any) -> bool:
        m = data["message"]
        return m["author_kind"] == "bot" and any(b["type"] == "suggestions" for b in m["blocks"])

    message = visitor.wait_for("message.new", has_chips)["message"]
    items = [i for b in message["blocks"] if b["type"] == "suggestions" for i in b["items"]]
    return int(message["id"]), items


def chips(visitor: Any) -> list[str]:
    """The chips of the next bot message carrying a suggestions block."""
    return offer(visitor)[1]


def pick_chip(visitor: Any, message_id: int, text: str) -> dict[str, Any]:
    """What the widget sends for a chip: its text and a ``pick`` naming the message."""
    ack: dict[str, Any] = visitor.send(text, blocks=[{"type": "pick", "message_id": message_id}])
    return ack


def ask(visitor: Any, text: str) -> None:
    """Ask and wait for the bot's answer (a card), not the chips that may follow it."""
    visitor.send(text)
    visitor.wait_for(
        "message.new", lambda d: any(b["type"] == "card" for b in d["message"]["blocks"])
    )


def resolved_conversation(visitor_client: Any, *questions: str) -> Any:
    visitor = visitor_client()
    for q in questions:
        ask(visitor, q)
    assert visitor.emit("conversation.close", {"conversation_id": visitor.conversation_id})["ok"]
    return visitor


def test_learns_what_comes_next_and_counts_the_click(
    suggest: Any, visitor_client: Any, chinwag_client: Any, admin_token: str
) -> None:
    resolved_conversation(visitor_client, "reset my password", "change my email address")
    # people took this one: nothing learned from it
    handed = visitor_client()
    ask(handed, "reset my password")
    ask(handed, "cancel my subscription")
    handed.send("I want a person")

    visitor = visitor_client()
    visitor.send("Reset my password?")
    offered_in, offered = offer(visitor)
    assert offered[0] == "change my email address"
    assert "cancel my subscription" not in offered
    assert "reset my password" not in offered  # never the question just asked
    assert pick_chip(visitor, offered_in, offered[0])["ok"]  # what the widget sends for a chip
    assert visitor.emit("conversation.close", {"conversation_id": visitor.conversation_id})["ok"]

    res = chinwag_client.get(
        f"{API}/suggestions", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert res.status_code == 200, res.get_json()
    row = next(r for r in res.get_json() if r["text"] == "change my email address")
    # offered twice in the handed-off conversation and once here, where it was picked
    assert (row["shown"], row["clicked"], row["resolved"]) == (3, 1, 1)
    assert row["click_through"] == pytest.approx(1 / 3) and row["resolution_rate"] == 1.0


def test_admins_pin_hide_and_edit(
    suggest: Any, visitor_client: Any, chinwag_client: Any, admin_token: str
) -> None:
    resolved_conversation(visitor_client, "reset my password", "change my email address")
    resolved_conversation(visitor_client, "where is my invoice", "update billing details")
    visitor = visitor_client()
    visitor.send("reset my password")
    first = chips(visitor)
    auth = {"Authorization": f"Bearer {admin_token}"}
    rows = {r["text"]: r for r in chinwag_client.get(f"{API}/suggestions", headers=auth).get_json()}

    def patch(item: int, **body: Any) -> Any:
        return chinwag_client.patch(f"{API}/suggestions/{item}", json=body, headers=auth)

    assert patch(rows[first[0]]["id"], hidden=True).status_code == 200
    invoice = rows.get("where is my invoice") or next(iter(rows.values()))
    assert patch(invoice["id"], pinned=True, text="Where can I find my invoice?").status_code == 200
    visitor.send("reset my password")
    again = chips(visitor)
    assert again[0] == "Where can I find my invoice?"  # pinned first, as edited
    assert first[0] not in again  # hidden

    dup = patch(invoice["id"], text=first[0])
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "duplicate"
    assert patch(invoice["id"], text="").status_code == 400
    assert patch(invoice["id"], colour="red").status_code == 400
    assert patch(99999, pinned=True).status_code == 404
    assert chinwag_client.patch(f"{API}/suggestions/{invoice['id']}", json={}).status_code == 401


def test_the_admin_page_and_its_forms(
    suggest: Any, visitor_client: Any, chinwag_client: Any, admin_token: str
) -> None:
    resolved_conversation(visitor_client, "reset my password", "<b>change</b> my email")
    visitor = visitor_client()
    visitor.send("reset my password")
    chips(visitor)
    res = chinwag_client.get(
        "/api/v1/admin-pages/chinwag-suggest/suggestions",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200, res.get_json()
    html = res.get_json()["html"]
    assert "&lt;b&gt;change&lt;/b&gt; my email" in html and "<b>change" not in html
    assert "Click-through" in html
    with app_session(suggest) as s:
        item = s.execute(select(Suggestion)).scalars().first()
        assert item is not None
        item_id = item.id
    with suggest.test_request_context():
        token = form_token(plugin_context(suggest, "chinwag-suggest"), item_id)
    url = f"{API}/suggestions/{item_id}/form"
    forged = chinwag_client.post(url, data={"token": "x" * 40, "action": "hide"})
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "forbidden"
    bad = chinwag_client.post(url, data={"token": token, "action": "explode"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"
    other = chinwag_client.post(
        f"{API}/suggestions/{item_id + 1}/form", data={"token": token, "action": "hide"}
    )
    assert other.status_code == 403  # a token is for one suggestion only
    ok = chinwag_client.post(url, data={"token": token, "action": "hide"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith("/chinwag-suggest/suggestions")
    with app_session(suggest) as s:
        hidden = s.get(Suggestion, item_id)
        assert hidden is not None and hidden.hidden


def test_page_rules_become_chips_per_page_and_leave_when_off(
    suggest: Any, visitor_session: Any
) -> None:
    configure_plugin(
        suggest,
        "chinwag-suggest",
        pages=[
            {"url": "/pricing*", "questions": ["How much does it cost?", "Is there a free plan?"]},
            {"url": "/docs*", "questions": ["Where is the API reference?"]},
        ],
    )

    def rules() -> list[dict[str, Any]]:
        features = visitor_session()["features"]["features"]
        return [r for f in features if f["type"] == "proactive" for r in f["rules"]]

    found = rules()
    assert [r["message"] for r in found] == ["Popular questions on this page:"] * 2
    assert [r["chips"] for r in found] == [
        ["How much does it cost?", "Is there a free plan?"],
        ["Where is the API reference?"],
    ]
    assert "pricing" in found[0]["url"] and "docs" in found[1]["url"]
    enable_plugin(suggest, "chinwag-suggest", False)
    assert rules() == []


@pytest.mark.parametrize(
    "settings",
    [
        {"pages": [{"url": "javascript:alert(1)", "questions": ["x"]}]},
        {"pages": [{"url": "/p", "questions": []}]},
        {"pages": [{"url": "/p", "questions": ["q" * 201]}]},
        {"segments": [{"attribute": "plan", "questions": ["x"]}]},
        {"max_chips": 0},
    ],
)
def test_bad_settings_are_refused(chinwag_app: Any, settings: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        configure_plugin(chinwag_app, "chinwag-suggest", **settings)


def test_segments_and_most_asked(suggest: Any, visitor_client: Any) -> None:
    segments = [{"attribute": "plan", "value": "pro", "questions": ["How do I add a seat?"]}]
    assert segment_questions(segments, {"plan": "pro"}) == ["How do I add a seat?"]
    assert segment_questions(segments, {"plan": "free"}) == []
    resolved_conversation(visitor_client, "where is my invoice")
    resolved_conversation(visitor_client, "where is my invoice?")
    resolved_conversation(visitor_client, "reset my password")
    with app_session(suggest) as s:
        site = s.execute(select(Question.site_id)).scalars().first()
        assert site is not None
        picked = [p.text for p in pick(s, site, None, [], segments, {"plan": "pro"}, 3)]
        assert picked == ["How do I add a seat?", "where is my invoice", "reset my password"]
        s.rollback()


def test_privacy_export_and_erase(suggest: Any, visitor_client: Any) -> None:
    resolved_conversation(visitor_client, "reset my password", "change my email address")
    visitor = visitor_client()
    visitor.send("reset my password")
    chips(visitor)
    ref = VisitorRef(id=visitor.visitor_id, site_id=0)
    with suggest.app_context():
        ctx = plugin_context(suggest, "chinwag-suggest")
        data = SuggestPrivacy().export(ctx, ref)
        assert [q["text"] for q in data["questions"]] == ["reset my password"]
        assert data["suggestions_shown"][0]["text"] == "change my email address"
        SuggestPrivacy().erase(ctx, ref)
        ctx.db_session.commit()
        assert SuggestPrivacy().export(ctx, ref) == {"questions": [], "suggestions_shown": []}
        assert ctx.db_session.execute(select(View)).scalars().all() == []
        assert len(ctx.db_session.execute(select(Question)).scalars().all()) == 2


def test_retention_erases_what_was_asked_and_offered_in_expired_conversations(
    suggest: Any, visitor_client: Any
) -> None:
    resolved_conversation(visitor_client, "reset my password", "change my email address")
    visitor = visitor_client()
    visitor.send("reset my password")
    chips(visitor)
    with suggest.app_context():
        ctx = plugin_context(suggest, "chinwag-suggest")
        everyone = set(ctx.db_session.execute(select(Question.conversation_id)).scalars())
        assert visitor.conversation_id in everyone and len(everyone) == 2
        assert ctx.db_session.execute(select(View)).scalars().all()
        SuggestPrivacy().erase_conversations(ctx, [visitor.conversation_id])
        ctx.db_session.commit()
        assert ctx.db_session.execute(select(View)).scalars().all() == []
        left = set(ctx.db_session.execute(select(Question.conversation_id)).scalars())
    assert left == everyone - {visitor.conversation_id}


def test_admin_page_lists_nothing_yet(chinwag_app: Any) -> None:
    enable_plugin(chinwag_app, "chinwag-suggest")
    with chinwag_app.test_request_context():
        html = SuggestionsPage().render(plugin_context(chinwag_app, "chinwag-suggest"))
    assert "No suggestions yet" in html


def test_only_a_real_pick_counts_and_a_pick_cannot_be_claimed(
    suggest: Any, visitor_client: Any, chinwag_client: Any, admin_token: str
) -> None:
    resolved_conversation(visitor_client, "reset my password", "change my email address")
    visitor = visitor_client()
    visitor.send("reset my password")
    offered_in, offered = offer(visitor)
    ask(visitor, offered[0])  # typed with the chip's text, no pick: not a click
    # a pick must name a chip of a message of this conversation, with the chip's text
    wrong_text = pick_chip(visitor, offered_in, "something else")
    assert wrong_text["error"]["code"] == "pick_not_allowed"
    other = visitor_client()
    other.send("hello there")
    other.wait_for_reply()
    assert pick_chip(other, offered_in, offered[0])["error"]["code"] == "pick_not_allowed"
    assert pick_chip(visitor, 999_999, offered[0])["error"]["code"] == "pick_not_allowed"
    first = visitor.send("first words", blocks=[{"type": "pick", "message_id": "x"}])
    assert first["error"]["code"] == "invalid_blocks"

    auth = {"Authorization": f"Bearer {admin_token}"}
    rows = {r["text"]: r for r in chinwag_client.get(f"{API}/suggestions", headers=auth).get_json()}
    assert rows[offered[0]]["clicked"] == 0

"""Rating answers through the widget's socket event: thumbs, reason, comment, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chinwag_feedback.models import Rating
from conftest import PLUGIN, rate
from sqlalchemy import func, select

from chinwag.testing import app_session, configure_plugin, enable_plugin


def _count(app: Any) -> int:
    with app_session(app) as s:
        return int(s.execute(select(func.count(Rating.id))).scalar_one())


def test_thumbs_down_reason_and_comment_make_one_row(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    visitor, answer = answered("where is my parcel?")
    ack = rate(visitor, answer, value="down")
    assert ack["ok"], ack
    picker = next(c for c in ack["components"] if c["type"] == "single_select")
    assert picker["label"] == "What went wrong?"
    assert "wrong" in [o["value"] for o in picker["options"]]

    ack = rate(visitor, answer, step="reason", values={"reason": "wrong"})
    assert ack["ok"], ack
    assert [c["type"] for c in ack["components"]] == ["text", "textarea", "submit"]
    ack = rate(visitor, answer, step="comment", values={"comment": "It is not in Paris"})
    assert ack == {"ok": True, "done": "Thanks, we will do better."}

    with app_session(feedback_app) as s:
        rows = s.execute(select(Rating)).scalars().all()
        assert [(r.value, r.reason, r.comment, r.author_kind) for r in rows] == [
            ("down", "wrong", "It is not in Paris", "bot")
        ]
        assert rows[0].message_id == answer["id"]
        assert rows[0].conversation_id == answer["conversation_id"]


def test_changing_a_rating_updates_the_same_row(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    visitor, answer = answered()
    assert rate(visitor, answer, value="down")["ok"]
    assert rate(visitor, answer, value="up")["ok"]
    assert rate(visitor, answer, value="up")["ok"]
    assert _count(feedback_app) == 1
    with app_session(feedback_app) as s:
        assert s.execute(select(Rating.value)).scalar_one() == "up"


def test_a_rating_is_locked_after_the_change_window(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    configure_plugin(feedback_app, PLUGIN, change_minutes=0)
    visitor, answer = answered()
    assert rate(visitor, answer, value="up")["ok"]
    ack = rate(visitor, answer, value="down")
    assert ack["error"]["code"] == "rating_locked"
    with app_session(feedback_app) as s:
        assert s.execute(select(Rating.value)).scalar_one() == "up"


def test_another_visitors_answer_cannot_be_rated(
    feedback_app: Any, answered: Callable[..., Any], visitor_client: Callable[..., Any]
) -> None:
    _, answer = answered("mine")
    stranger = visitor_client()
    ack = rate(stranger, answer, value="down")
    assert ack["ok"] is False
    assert ack["error"]["code"] == "not_yours"
    assert _count(feedback_app) == 0


def test_an_answer_of_another_conversation_is_refused(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    visitor, first = answered("one")
    ack = visitor.emit(
        "feedback.rate",
        {
            "payload": {"value": "up"},
            "values": {},
            "message_id": first["id"],
            "conversation_id": first["conversation_id"] + 999,
        },
    )
    assert ack["error"]["code"] == "wrong_conversation"
    assert _count(feedback_app) == 0


def test_visitor_messages_and_unknown_ids_are_not_rateable(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    visitor, answer = answered()
    own = visitor.messages("visitor")[0]
    assert rate(visitor, own, value="up")["error"]["code"] == "not_rateable"
    assert rate(visitor, {**answer, "id": 10**9}, value="up")["error"]["code"] == "not_rateable"
    ack = visitor.emit("feedback.rate", {"payload": {"value": "up"}, "values": {}})
    assert ack["error"]["code"] == "message_required"
    assert _count(feedback_app) == 0


def test_bad_values_reasons_and_oversized_comments(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    visitor, answer = answered()
    assert rate(visitor, answer, value="sideways")["error"]["code"] == "invalid_value"
    assert (
        rate(visitor, answer, step="reason", values={"reason": "wrong"})["error"]["code"]
        == "not_rated"
    )
    assert rate(visitor, answer, value="down")["ok"]
    ack = rate(visitor, answer, step="reason", values={"reason": "<script>"})
    assert ack["error"]["code"] == "invalid_reason"
    ack = rate(visitor, answer, step="comment", values={"comment": "x" * 1001})
    assert ack["error"]["code"] == "comment_too_long"
    assert "1000" in ack["error"]["message"]
    # beyond what the widget's schema accepts at all: refused before the plugin runs
    ack = rate(visitor, answer, step="comment", values={"comment": "x" * 5000})
    assert ack["error"]["code"] == "validation_error"
    with app_session(feedback_app) as s:
        row = s.execute(select(Rating)).scalar_one()
        assert (row.value, row.reason, row.comment) == ("down", None, None)


def test_agent_answers_are_rateable_only_when_the_site_chooses(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    visitor, _ = answered()
    features = _features(feedback_app, visitor)
    rule = next(f for f in features if f["type"] == "message_actions")["when"]
    assert rule["author_kinds"] == ["bot"]
    configure_plugin(feedback_app, PLUGIN, rate_agent_answers=True)
    features = _features(feedback_app, visitor)
    rule = next(f for f in features if f["type"] == "message_actions")["when"]
    assert rule["author_kinds"] == ["bot", "agent"]


def _features(app: Any, visitor: Any) -> list[dict[str, Any]]:
    ack = visitor.emit("widget.features", {})
    return list(ack["features"]["features"])


def test_switched_off_the_rating_event_is_refused_and_features_go(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    visitor, answer = answered()
    assert any(f["type"] == "message_actions" for f in _features(feedback_app, visitor))
    enable_plugin(feedback_app, PLUGIN, False)
    ack = rate(visitor, answer, value="up")
    assert ack["error"]["code"] == "plugin_disabled"
    assert not any(f["type"] == "message_actions" for f in _features(feedback_app, visitor))
    assert _count(feedback_app) == 0

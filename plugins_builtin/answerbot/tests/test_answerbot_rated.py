"""Every answer of the answer bot can be rated with chinwag-feedback's thumbs: the visitor rates
the bot's answer down with a reason, as the widget does (``feedback.rate``), and the feedback
report counts it against the knowledge-base article the answer quoted and linked."""

from __future__ import annotations

from typing import Any

from chinwag.testing import enable_plugin

FEEDBACK = "chinwag-feedback"


def rate(visitor: Any, answer: dict[str, Any], **payload: Any) -> dict[str, Any]:
    """``feedback.rate`` for ``answer`` as the widget's thumbs send it."""
    values = payload.pop("values", {})
    ack: dict[str, Any] = visitor.emit(
        "feedback.rate",
        {
            "payload": payload,
            "values": values,
            "message_id": answer["id"],
            "conversation_id": answer["conversation_id"],
        },
    )
    return ack


def test_a_bot_answer_is_rated_and_counted_against_its_article(
    bot: Any, visitor_client: Any, chinwag_client: Any, admin_token: str
) -> None:
    enable_plugin(bot, FEEDBACK)
    visitor = visitor_client()
    assert visitor.send("How do I reset my password?")["ok"]
    answer = visitor.wait_for_reply()
    assert answer["author_kind"] == "bot" and "Reset your password" in answer["text"]

    down = rate(visitor, answer, value="down")
    assert down["ok"], down
    reason = rate(visitor, answer, step="reason", values={"reason": "wrong"})
    assert reason["ok"], reason

    auth = {"Authorization": f"Bearer {admin_token}"}
    res = chinwag_client.get("/api/v1/feedback/articles", headers=auth)
    assert res.status_code == 200, res.get_json()
    (row,) = res.get_json()["rows"]  # the one article the answer linked
    assert row["title"] == "Reset your password" and row["url"].endswith("/reset-password")
    assert (row["ratings"], row["thumbs_down"], row["reasons"]) == (1, 1, {"wrong": 1})
    totals = chinwag_client.get("/api/v1/feedback/summary", headers=auth).get_json()["totals"]
    assert (totals["ratings"], totals["thumbs_down"]) == (1, 1)

    # a second answer, rated up: each answer has its own rating
    assert visitor.send("How do I change my email address?")["ok"]
    second = visitor.wait_for_reply()
    up = rate(visitor, second, value="up")
    assert up["ok"], up
    totals = chinwag_client.get("/api/v1/feedback/summary", headers=auth).get_json()["totals"]
    assert (totals["ratings"], totals["thumbs_down"]) == (2, 1)

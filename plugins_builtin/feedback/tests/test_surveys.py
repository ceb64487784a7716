"""The satisfaction survey: asked once when a conversation ends (or after it goes quiet),
answered through the prompt's socket event, with clear errors for bad answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chinwag_feedback.idle import ask_idle_surveys
from chinwag_feedback.models import Survey, Thread
from chinwag_feedback.service import ask_survey
from conftest import PLUGIN, close_for_survey
from sqlalchemy import func, select, update

from chinwag.testing import app_session, configure_plugin, plugin_context


def _surveys(app: Any) -> list[Survey]:
    with app_session(app) as s:
        found = list(s.execute(select(Survey)).scalars())
        s.expunge_all()
        return found


def test_closing_asks_a_five_star_survey_once_and_stores_the_answer(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    visitor, _ = answered()
    prompt = close_for_survey(visitor)
    payload = prompt["payload"]
    assert payload["title"] == "How would you rate this conversation?"
    select_ = next(c for c in payload["components"] if c["type"] == "single_select")
    assert [o["value"] for o in select_["options"]] == ["1", "2", "3", "4", "5"]
    ack = visitor.submit(prompt, score="4", comment="Quick and kind")
    assert ack == {"ok": True, "done": "Thank you for your feedback!"}
    [survey] = _surveys(feedback_app)
    assert (survey.scale, survey.score, survey.satisfied, survey.comment) == (
        "stars",
        4,
        True,
        "Quick and kind",
    )
    # answering twice is refused and changes nothing
    again = visitor.submit(prompt, score="1")
    assert again["error"]["code"] == "already_answered"
    assert _surveys(feedback_app)[0].score == 4
    # a second close (or the idle job) does not ask a second survey
    with feedback_app.app_context():
        ctx = plugin_context(feedback_app, PLUGIN)
        assert ask_survey(ctx, visitor.conversation_id, "on_close") is None
    assert len(_surveys(feedback_app)) == 1


def test_bad_survey_answers_get_clear_errors(
    feedback_app: Any, answered: Callable[..., Any], visitor_client: Callable[..., Any]
) -> None:
    visitor, _ = answered()
    prompt = close_for_survey(visitor)
    assert visitor.submit(prompt, score="6")["error"]["code"] == "score_out_of_range"
    assert visitor.submit(prompt, score="0")["error"]["code"] == "score_out_of_range"
    assert visitor.submit(prompt, score="four")["error"]["code"] == "score_out_of_range"
    assert visitor.submit(prompt)["error"]["code"] == "score_required"
    long = visitor.submit(prompt, score="3", comment="y" * 1001)
    assert long["error"]["code"] == "comment_too_long"
    # another visitor cannot answer this survey
    stranger = visitor_client()
    ack = stranger.submit(prompt, score="5")
    assert ack["error"]["code"] == "survey_not_asked"
    [survey] = _surveys(feedback_app)
    assert survey.answered_at is None and survey.score is None


def test_a_survey_never_asked_cannot_be_answered(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    visitor, _ = answered()
    ack = visitor.emit(
        "feedback.csat",
        {"payload": {}, "values": {"score": "5"}, "conversation_id": visitor.conversation_id},
    )
    assert ack["error"]["code"] == "survey_not_asked"
    ack = visitor.emit("feedback.csat", {"payload": {"survey": "999999"}, "values": {"score": "5"}})
    assert ack["error"]["code"] == "survey_not_asked"
    assert _surveys(feedback_app) == []


def test_a_dismissed_survey_is_not_asked_again_and_counts_as_unanswered(
    feedback_app: Any,
    answered: Callable[..., Any],
    agent_client: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
) -> None:
    """Dismissing the card sends nothing: the survey stays asked and unanswered. Reopened and
    closed again, the conversation asks nothing more; the survey is still answerable."""
    visitor, _ = answered()
    prompt = close_for_survey(visitor)  # shown, then dismissed: the widget tells no one
    agent = agent_client("admin")
    conv = visitor.conversation_id
    for event in ("conversation.reopen", "conversation.close"):
        assert agent.emit(event, {"conversation_id": conv})["ok"]
    feedback_app.extensions["chinwag"].bus.wait_idle()
    assert [
        e for e in visitor.events("plugin.event") if e["args"][0]["event"] == "feedback.survey"
    ] == []
    [survey] = _surveys(feedback_app)
    assert (survey.trigger, survey.answered_at, survey.score) == ("on_close", None, None)
    auth = {"Authorization": f"Bearer {admin_token}"}
    items = chinwag_client.get("/api/v1/feedback?type=survey&answered=false", headers=auth).json
    assert [(i["conversation_id"], i["score"]) for i in items["items"]] == [(conv, None)]
    totals = chinwag_client.get("/api/v1/feedback/summary", headers=auth).json["totals"]
    assert (totals["surveys_asked"], totals["surveys_answered"], totals["response_rate"]) == (
        1,
        0,
        0.0,
    )
    assert visitor.submit(prompt, score="2")["ok"]  # dismissed is not refused
    assert _surveys(feedback_app)[0].score == 2


def test_a_faces_survey_offers_five_faces(feedback_app: Any, answered: Callable[..., Any]) -> None:
    configure_plugin(feedback_app, PLUGIN, scale="faces")
    visitor, _ = answered()
    prompt = close_for_survey(visitor)
    [scores] = [c for c in prompt["payload"]["components"] if c["type"] == "single_select"]
    assert [(o["value"], o["text"]) for o in scores["options"]] == [
        ("1", "😞 Very unhappy"),
        ("2", "🙁 Unhappy"),
        ("3", "😐 Neutral"),
        ("4", "🙂 Happy"),
        ("5", "😀 Very happy"),
    ]
    assert visitor.submit(prompt, score="6")["error"]["code"] == "score_out_of_range"
    assert visitor.submit(prompt, score="4")["ok"]
    [survey] = _surveys(feedback_app)
    assert (survey.scale, survey.score, survey.satisfied) == ("faces", 4, True)


def test_nps_scale_classifies_answers(feedback_app: Any, answered: Callable[..., Any]) -> None:
    configure_plugin(feedback_app, PLUGIN, scale="nps")
    scores = {"10": "promoter", "8": "passive", "3": "detractor"}
    for score in scores:
        visitor, _ = answered()
        prompt = close_for_survey(visitor)
        options = next(c for c in prompt["payload"]["components"] if c["type"] == "single_select")
        assert len(options["options"]) == 11
        assert visitor.submit(prompt, score=score)["ok"]
        assert visitor.submit(prompt, score="11")["error"]["code"] in (
            "already_answered",
            "score_out_of_range",
        )
    found = {s.score: s.nps_class for s in _surveys(feedback_app)}
    assert found == {10: "promoter", 8: "passive", 3: "detractor"}


def test_per_site_never_asks_no_survey(
    feedback_app: Any, answered: Callable[..., Any], demo_site: dict[str, Any]
) -> None:
    configure_plugin(feedback_app, PLUGIN, sites={str(demo_site["id"]): {"ask": "never"}})
    visitor, _ = answered()
    visitor.close_conversation()
    assert visitor.events("plugin.event") == []
    assert _surveys(feedback_app) == []


def test_after_idle_asks_once_the_conversation_went_quiet(
    feedback_app: Any, answered: Callable[..., Any]
) -> None:
    configure_plugin(feedback_app, PLUGIN, ask="after_idle", idle_minutes=5)
    visitor, _ = answered()
    with feedback_app.app_context():
        ctx = plugin_context(feedback_app, PLUGIN)
        assert ask_idle_surveys(ctx) == 0  # the answer is seconds old
        session = ctx.db_session
        stamp = session.execute(select(Thread.last_message_at)).scalar_one()
        session.execute(update(Thread).values(last_message_at=stamp - timedelta(minutes=6)))
        session.commit()
        assert ask_idle_surveys(ctx) == 1
        assert ask_idle_surveys(ctx) == 0
        assert session.execute(select(func.count(Survey.id))).scalar_one() == 1
    prompt = visitor.wait_for_prompt("feedback.survey")
    assert visitor.submit(prompt, score="5")["ok"]

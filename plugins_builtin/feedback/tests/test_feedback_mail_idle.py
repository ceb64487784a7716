"""``ask: after_idle`` with ``email_survey``: N minutes after the last answer without a reply,
the scheduled job mails the survey to a visitor who left, once per conversation, and never
when the survey was asked (and answered) in the widget. Fake clock, jobs run in the test."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from chinwag_feedback.models import Survey
from conftest import PLUGIN
from sqlalchemy import select

from chinwag.testing import (
    FakeClock,
    SmtpInbox,
    app_session,
    configure_plugin,
    plugin_context,
    run_jobs,
)


@pytest.fixture
def mailing(clock: FakeClock, feedback_app: Any, smtp_server: SmtpInbox) -> SmtpInbox:
    feedback_app.config["CHINWAG_SMTP_URL"] = smtp_server.url()
    configure_plugin(feedback_app, PLUGIN, email_survey=True, ask="after_idle", idle_minutes=10)
    return smtp_server


def _gone(app: Any, visitor: Any) -> None:
    """Close the visitor's socket and wait until the server no longer counts them online."""
    visitor.close()
    with app.app_context():
        ctx = plugin_context(app, PLUGIN)
        deadline = time.monotonic() + 5
        while ctx.visitor_online(visitor.visitor_id) and time.monotonic() < deadline:
            time.sleep(0.02)  # the server sees the socket go (not a browser test)
        assert not ctx.visitor_online(visitor.visitor_id)


def _idle_job(app: Any) -> None:
    """One run of the idle-survey job (and whatever it queues: the mail)."""
    app.extensions["chinwag"].bus.wait_idle()
    run_jobs(app, scheduled=True)
    run_jobs(app)


def _surveys(app: Any) -> list[tuple[str, int | None]]:
    with app_session(app) as s:
        return [(x.trigger, x.score) for x in s.execute(select(Survey)).scalars()]


def test_a_visitor_who_left_is_mailed_once_after_the_idle_minutes(
    clock: FakeClock,
    feedback_app: Any,
    mailing: SmtpInbox,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    verified: Callable[..., Any],
    agent_client: Callable[..., Any],
) -> None:
    visitor, _ = answered("hello", visitor_client(**verified("ann@example.com", locale="fr")))
    conv = int(visitor.conversation_id)
    _gone(feedback_app, visitor)
    clock.advance(minutes=9)
    _idle_job(feedback_app)
    assert mailing.mails == []  # not quiet long enough yet
    clock.advance(minutes=2)
    _idle_job(feedback_app)
    rcpts, mail = mailing.only()
    assert rcpts == ["ann@example.com"]
    assert mail["Subject"] == "Comment nous sommes-nous débrouillés ?"
    assert _surveys(feedback_app) == [("email_after_idle", None)]
    # later runs, and the close, ask nothing more: one survey per conversation
    clock.advance(hours=3)
    _idle_job(feedback_app)
    assert agent_client("admin").close_conversation(conv)["ok"]
    _idle_job(feedback_app)
    assert mailing.mails == []  # (only() took the first one out)
    assert _surveys(feedback_app) == [("email_after_idle", None)]


def test_a_visitor_who_answered_in_the_widget_is_never_mailed(
    clock: FakeClock,
    feedback_app: Any,
    mailing: SmtpInbox,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    verified: Callable[..., Any],
    agent_client: Callable[..., Any],
) -> None:
    visitor, _ = answered("hello", visitor_client(**verified("bo@example.com")))
    conv = int(visitor.conversation_id)
    clock.advance(minutes=11)
    _idle_job(feedback_app)  # still in the chat: asked in the widget
    prompt = visitor.wait_for_prompt("feedback.survey")
    assert visitor.submit(prompt, score="5")["ok"]
    _gone(feedback_app, visitor)
    clock.advance(hours=1)
    _idle_job(feedback_app)
    assert agent_client("admin").close_conversation(conv)["ok"]
    _idle_job(feedback_app)
    assert mailing.mails == []
    assert _surveys(feedback_app) == [("after_idle", 5)]


def test_a_site_asking_on_close_mails_nothing_when_idle(
    clock: FakeClock,
    feedback_app: Any,
    mailing: SmtpInbox,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    verified: Callable[..., Any],
) -> None:
    configure_plugin(feedback_app, PLUGIN, email_survey=True, ask="on_close")
    visitor, _ = answered("hello", visitor_client(**verified("cy@example.com")))
    _gone(feedback_app, visitor)
    clock.advance(hours=2)
    _idle_job(feedback_app)  # the site asks on close only: nothing mailed when idle
    assert mailing.mails == [] and _surveys(feedback_app) == []

"""A typed e-mail address may be someone else's: the survey goes by mail at once only to a
verified identity's address; a typed one gets a confirmation mail first (one link, nothing of
the conversation), answering through it confirms the address, and a visitor whose
confirmation went unanswered is never mailed again (real SMTP server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chinwag_feedback.models import Survey
from conftest import PLUGIN, left_then_closed
from sqlalchemy import select

from chinwag.testing import SmtpInbox, app_session, configure_plugin, plugin_context

SEND = "/api/v1/feedback/mail-survey"


def _rows(app: Any) -> list[tuple[str, bool | None, int | None]]:
    with app_session(app) as s:
        found = s.execute(select(Survey).order_by(Survey.id)).scalars()
        return [(x.trigger, x.address_confirmed, x.score) for x in found]


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_a_typed_address_is_confirmed_by_answering_the_one_link(
    feedback_app: Any,
    mailed_survey: Callable[..., list[str]],
    mailing: SmtpInbox,
    chinwag_client: Any,
) -> None:
    [link] = mailed_survey(email="maybe@example.com")  # one link, no score links
    rcpts, mail = mailing.only()
    assert rcpts == ["maybe@example.com"]
    assert mail["Subject"] == "Confirm your address to rate your conversation"
    plain = mail.get_body(("plain",)).get_content()
    assert "ignore this mail" in plain and "hello" not in plain  # nothing of the conversation
    assert _rows(feedback_app) == [("email_on_close", False, None)]

    page = chinwag_client.get(link)
    assert page.status_code == 200
    assert page.text.count('type="radio" name="score"') == 5
    assert "Confirm and send my rating" in page.text
    assert "confirms that this address is yours" in page.text
    assert _rows(feedback_app) == [("email_on_close", False, None)]  # opening it records nothing

    missing = chinwag_client.post(SEND, data={"token": _token(link)})
    assert missing.status_code == 400 and "Pick a rating first." in missing.text
    wild = chinwag_client.post(SEND, data={"token": _token(link), "score": "9"})
    assert wild.status_code == 400
    done = chinwag_client.post(SEND, data={"token": _token(link), "score": "4", "comment": "ok"})
    assert done.status_code == 200 and "Thank you" in done.text
    assert _rows(feedback_app) == [("email_on_close", True, 4)]
    again = chinwag_client.post(SEND, data={"token": _token(link), "score": "5"})
    assert again.status_code == 409
    assert _rows(feedback_app) == [("email_on_close", True, 4)]

    # a score link forged for a survey mailed to a typed address is refused
    with feedback_app.app_context():
        ctx = plugin_context(feedback_app, PLUGIN)
        forged = ctx.sign(f"{_survey_id(feedback_app)}:5", 600)
    assert chinwag_client.post(SEND, data={"token": forged}).status_code == 410


def _survey_id(app: Any) -> int:
    with app_session(app) as s:
        return int(s.execute(select(Survey.id)).scalar_one())


def test_an_ignored_confirmation_is_the_last_mail_that_address_gets(
    feedback_app: Any,
    mailing: SmtpInbox,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    visitor_session: Callable[..., Any],
    agent_client: Callable[..., Any],
) -> None:
    configure_plugin(feedback_app, PLUGIN, email_survey=True)
    token = visitor_session(email="stranger@example.com")["visitor_token"]
    left_then_closed(feedback_app, answered, visitor_client, agent_client, visitor_token=token)
    assert len(mailing.mails) == 1  # the confirmation, never answered
    # the same visitor chats again, leaves again: nothing more goes to that address
    left_then_closed(feedback_app, answered, visitor_client, agent_client, visitor_token=token)
    assert len(mailing.mails) == 1
    assert [(t, c) for t, c, _ in _rows(feedback_app)] == [
        ("email_on_close", False),
        ("on_close", None),  # asked in the widget instead
    ]


def test_a_verified_identity_gets_the_rating_links_at_once(
    feedback_app: Any,
    mailed_survey: Callable[..., list[str]],
    mailing: SmtpInbox,
    verified: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
) -> None:
    links = mailed_survey(**verified("known@example.com"))
    rcpts, mail = mailing.only()
    assert rcpts == ["known@example.com"] and mail["Subject"] == "How did we do?"
    assert len(links) == 5
    confirm = chinwag_client.get(links[0])
    assert "Confirm and send" not in confirm.text
    assert chinwag_client.post(SEND, data={"token": _token(links[2])}).status_code == 200
    assert _rows(feedback_app) == [("email_on_close", None, 3)]
    items = chinwag_client.get(
        "/api/v1/feedback?type=survey", headers={"Authorization": f"Bearer {admin_token}"}
    ).json["items"]
    assert [(i["trigger"], i["score"]) for i in items] == [("email_on_close", 3)]
    summary = chinwag_client.get(
        "/api/v1/feedback/summary?group_by=trigger",
        headers={"Authorization": f"Bearer {admin_token}"},
    ).json
    assert [(r["key"], r["surveys_answered"], r["ratings"]) for r in summary["rows"]] == [
        ("email_on_close", 1, 0)
    ]

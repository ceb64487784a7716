"""The survey by e-mail: a visitor who left before their conversation closed gets the survey
as a mail of signed rating links (real SMTP server on 127.0.0.1), answered once, in time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chinwag_plugin_api import PluginContext
from chinwag_plugin_api.events import Event, EventListener
from conftest import PLUGIN, left_then_closed

from chinwag.testing import SmtpInbox, configure_plugin, register_plugin, run_jobs

HEARD: list[Event] = []


class Heard(EventListener):
    events = ("feedback.csat_answered",)

    def handle(self, ctx: PluginContext, event: Event) -> None:
        HEARD.append(event)


def _surveys(client: Any, admin_token: str) -> list[dict[str, Any]]:
    res = client.get(
        "/api/v1/feedback?type=survey", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert res.status_code == 200, res.json
    return list(res.json["items"])


def test_a_visitor_who_left_rates_by_mail_once(
    feedback_app: Any,
    mailed_survey: Callable[..., list[str]],
    mailing: SmtpInbox,
    verified: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
) -> None:
    HEARD.clear()
    register_plugin(feedback_app, "feedback-mail-heard", Heard)
    links = mailed_survey(**verified("ann@example.com"))
    rcpts, mail = mailing.only()
    assert rcpts == ["ann@example.com"]
    assert mail["Subject"] == "How did we do?"
    assert len(links) == 5  # 1 to 5 stars
    assert "4 of 5" in mail.get_body(("html",)).get_content()

    # opening the link records nothing (mail scanners follow links); the button does
    page = chinwag_client.get(links[3])
    assert page.status_code == 200
    assert "★★★★ 4 of 5" in page.text and "Send my rating" in page.text
    assert _surveys(chinwag_client, admin_token)[0]["score"] is None

    token = parse_qs(urlsplit(links[3]).query)["token"][0]
    done = chinwag_client.post(
        "/api/v1/feedback/mail-survey", data={"token": token, "comment": "Quick and kind"}
    )
    assert done.status_code == 200 and "Thank you" in done.text
    [row] = _surveys(chinwag_client, admin_token)
    assert (row["score"], row["comment"]) == (4, "Quick and kind")

    # every link of the mail is spent: nothing counted twice
    token5 = parse_qs(urlsplit(links[4]).query)["token"][0]
    again = chinwag_client.post("/api/v1/feedback/mail-survey", data={"token": token5})
    assert again.status_code == 409 and "already answered" in again.text
    assert [r["score"] for r in _surveys(chinwag_client, admin_token)] == [4]

    # same annotation and event as an answer in the widget
    feedback_app.extensions["chinwag"].bus.wait_idle()
    assert [(e.name, e.score) for e in HEARD] == [  # type: ignore[attr-defined]
        ("feedback.csat_answered", 4)
    ]
    rows = chinwag_client.get(
        "/api/v1/inbox/conversations", headers={"Authorization": f"Bearer {admin_token}"}
    ).json
    [inbox_row] = rows  # the one conversation, the survey's
    assert inbox_row["id"] == row["conversation_id"]
    assert ("CSAT 4/5", "positive") in [(a["label"], a["tone"]) for a in inbox_row["annotations"]]


def test_rating_links_expire(
    clock: Any,
    mailed_survey: Callable[..., list[str]],
    verified: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
) -> None:
    link = mailed_survey({"email_link_days": 2}, **verified("a@example.com"))[4]
    start = clock.now()
    clock.advance(days=2, seconds=5)
    page = chinwag_client.get(link)
    assert page.status_code == 410 and "expired" in page.text
    token = parse_qs(urlsplit(link).query)["token"][0]
    late = chinwag_client.post("/api/v1/feedback/mail-survey", data={"token": token})
    assert late.status_code == 410
    forged = chinwag_client.post("/api/v1/feedback/mail-survey", data={"token": token + "x"})
    assert forged.status_code == 410
    clock.set(start)  # back to when the admin's token is valid
    assert _surveys(chinwag_client, admin_token)[0]["score"] is None


def test_no_mail_by_default_nor_without_an_address(
    feedback_app: Any,
    mailing: SmtpInbox,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    agent_client: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
) -> None:
    left_then_closed(feedback_app, answered, visitor_client, agent_client, email="a@example.com")
    assert mailing.mails == []
    [asked] = _surveys(chinwag_client, admin_token)  # asked in the widget, as before

    configure_plugin(feedback_app, PLUGIN, email_survey=True)
    left_then_closed(feedback_app, answered, visitor_client, agent_client)  # gave no address
    assert mailing.mails == []
    assert len(_surveys(chinwag_client, admin_token)) == 2
    assert asked["score"] is None


def test_a_visitor_still_in_the_chat_is_asked_in_the_widget(
    feedback_app: Any, mailing: SmtpInbox, answered: Callable[..., Any], visitor_client: Any
) -> None:
    configure_plugin(feedback_app, PLUGIN, email_survey=True)
    visitor, _ = answered("hello", visitor_client(email="a@example.com"))
    assert visitor.close_conversation()["ok"]
    prompt = visitor.wait_for_prompt("feedback.survey")
    assert visitor.submit(prompt, score="5")["ok"]
    run_jobs(feedback_app)
    assert mailing.mails == []

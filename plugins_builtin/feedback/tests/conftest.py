"""Fixtures of the feedback plugin's tests: the plugin enabled, a bot that answers, visitors."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest

from chinwag.testing import SmtpInbox, configure_plugin, enable_plugin, plugin_context, run_jobs

PLUGIN = "chinwag-feedback"
#: a rating link in a mailed survey
LINK = re.compile(r"(\S+/mail-survey\?token=\S+)")


@pytest.fixture
def feedback_app(chinwag_app: Any, answer_bot: None) -> Any:
    """``chinwag_app`` with chinwag-feedback enabled and a bot answering every message
    (``answer_bot`` of ``chinwag.testing``)."""
    enable_plugin(chinwag_app, PLUGIN)
    return chinwag_app


@pytest.fixture
def verified(demo_site: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """-> ``verified(email, **session)``: widget session fields of a visitor whose address the
    site's signed identity vouches for (a mailed survey's rating links go only to such)."""

    def fields(email: str, **session: Any) -> dict[str, Any]:
        claims = {"sub": f"user-{email}", "email": email, "exp": int(time.time()) + 600}
        token = jwt.encode(claims, demo_site["identity_secret"], algorithm="HS256")
        return {"identity": token, **session}

    return fields


@pytest.fixture
def answered(feedback_app: Any, visitor_client: Callable[..., Any]) -> Callable[..., Any]:
    """-> ``answered(text)``: a new visitor who sent ``text`` and got the bot's answer;
    returns ``(visitor, answer_message)``."""

    def start(text: str = "hello", visitor: Any = None) -> tuple[Any, dict[str, Any]]:
        v = visitor or visitor_client()
        ack = v.send(text)
        assert ack["ok"], ack
        reply = v.wait_for_reply()
        return v, reply

    return start


def rate(
    visitor: Any, message: dict[str, Any], values: dict[str, str] | None = None, **payload: str
) -> dict[str, Any]:
    """Send ``feedback.rate`` for ``message`` as the widget does; return the acknowledgement."""
    body: dict[str, Any] = {
        "payload": payload,
        "values": values or {},
        "message_id": message["id"],
        "conversation_id": message["conversation_id"],
    }
    return dict(visitor.emit("feedback.rate", body))


def close_for_survey(visitor: Any) -> dict[str, Any]:
    """Close ``visitor``'s conversation as the widget does and return the survey prompt it asks
    (the ``feedback.survey`` canvas: answer it with ``visitor.submit(prompt, score=...)``)."""
    ack = visitor.close_conversation()
    assert ack["ok"], ack
    return dict(visitor.wait_for_prompt("feedback.survey"))


def left_then_closed(
    app: Any,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    agent_client: Callable[..., Any],
    **session: Any,
) -> int:
    """A visitor chats, closes the tab; then an agent closes the conversation."""
    visitor, _ = answered("hello", visitor_client(**session))
    conv = int(visitor.conversation_id)
    visitor.close()
    with app.app_context():
        ctx = plugin_context(app, PLUGIN)
        deadline = time.monotonic() + 5
        while ctx.visitor_online(visitor.visitor_id) and time.monotonic() < deadline:
            time.sleep(0.02)  # wait for the server to see the socket go
        assert not ctx.visitor_online(visitor.visitor_id)
    assert agent_client("admin").close_conversation(conv)["ok"]
    app.extensions["chinwag"].bus.wait_idle()
    run_jobs(app)
    return conv


def mail_links(mail: Any) -> list[str]:
    return LINK.findall(mail.get_body(("plain",)).get_content())


@pytest.fixture
def mailing(feedback_app: Any, smtp_server: SmtpInbox) -> SmtpInbox:
    """``smtp_server`` as ``feedback_app``'s mailer (``CHINWAG_SMTP_URL``)."""
    feedback_app.config["CHINWAG_SMTP_URL"] = smtp_server.url()
    return smtp_server


def link_path(url: str) -> str:
    """A mailed link as the test client's path and query."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def mailed_survey(
    feedback_app: Any,
    mailing: SmtpInbox,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    agent_client: Callable[..., Any],
) -> Callable[..., list[str]]:
    """-> ``mailed_survey(settings, **session)``: the plugin set to ``email_survey`` (plus
    ``settings``), a visitor with these widget session fields chats, leaves, and their
    conversation is closed; returns the links of the one mail they got (left in
    ``mailing``), as test-client paths."""

    def send(settings: dict[str, Any] | None = None, **session: Any) -> list[str]:
        configure_plugin(feedback_app, PLUGIN, email_survey=True, **(settings or {}))
        left_then_closed(feedback_app, answered, visitor_client, agent_client, **session)
        [(_rcpts, mail)] = mailing.mails  # left in the inbox: a test may read it too
        return [link_path(url) for url in mail_links(mail)]

    return send

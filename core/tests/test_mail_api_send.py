"""``ctx.send_mail`` (plugin API 1.4): a plugin's mail goes out on the core mailer, to a real
SMTP server (aiosmtpd) on 127.0.0.1, and a visitor is mailed only at the address they gave."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import jwt
import pytest
from chinwag_plugin_api import PluginContext, PluginError

from chinwag.testing import SmtpInbox, plugin_context, register_plugin, run_jobs

PLUGIN = "chinwag-mailtest"


@pytest.fixture
def ctx(chinwag_app: Any) -> PluginContext:
    register_plugin(chinwag_app, PLUGIN)
    return plugin_context(chinwag_app, PLUGIN)


@pytest.fixture
def mail_on(chinwag_app: Any, smtp_server: SmtpInbox) -> SmtpInbox:
    chinwag_app.config["CHINWAG_SMTP_URL"] = smtp_server.url()
    chinwag_app.config["CHINWAG_MAIL_FROM"] = "help@shop.example"
    return smtp_server


def _identity(site: dict[str, Any], sub: str, email: str) -> str:
    secret = site["identity_secret"]
    kid = hashlib.sha256(secret.encode()).hexdigest()[:16]
    body = {"sub": sub, "email": email, "exp": int(time.time()) + 600}
    return jwt.encode(body, secret, algorithm="HS256", headers={"kid": kid})


def test_a_visitor_gets_the_mail_at_the_address_they_gave(
    chinwag_app: Any, ctx: PluginContext, mail_on: SmtpInbox, visitor_session: Any
) -> None:
    s = visitor_session(email="ann@example.com")
    with chinwag_app.app_context():
        visitor = ctx.visitor(s["visitor_id"])
        assert visitor is not None
        job = ctx.send_mail(visitor, "Your receipt", "Thanks!", "<p>Thanks!</p>")
        ctx.db_session.commit()  # queued when the caller's transaction commits
    assert job
    assert mail_on.mails == []  # queued, not sent inside the call
    run_jobs(chinwag_app)
    rcpts, mail = mail_on.only()
    assert rcpts == ["ann@example.com"]
    assert mail["Subject"] == "Your receipt"
    assert mail["From"] == "help@shop.example"
    assert mail.get_body(("plain",)).get_content().strip() == "Thanks!"
    assert "<p>Thanks!</p>" in mail.get_body(("html",)).get_content()


def test_a_verified_visitor_is_mailed_at_the_signed_address(
    chinwag_app: Any,
    ctx: PluginContext,
    mail_on: SmtpInbox,
    visitor_session: Any,
    demo_site: Any,
) -> None:
    s = visitor_session(identity=_identity(demo_site, "u-1", "bob@example.com"))
    with chinwag_app.app_context():
        visitor = ctx.visitor(s["visitor_id"])
        assert visitor is not None and visitor.verified
        ctx.send_mail(visitor, "Hello", "Plain only")
        ctx.db_session.commit()
    run_jobs(chinwag_app)
    rcpts, mail = mail_on.only()
    assert rcpts == ["bob@example.com"]
    assert mail.get_body(("html",)) is None or mail.get_content_type() == "text/plain"


def test_an_address_named_by_the_site_is_mailed(
    chinwag_app: Any, ctx: PluginContext, mail_on: SmtpInbox
) -> None:
    with chinwag_app.app_context():
        ctx.send_mail("owner@shop.example", "Weekly report", "12 ratings")
    run_jobs(chinwag_app)
    rcpts, _mail = mail_on.only()
    assert rcpts == ["owner@shop.example"]


def test_a_visitor_without_an_address_cannot_be_mailed(
    chinwag_app: Any, ctx: PluginContext, mail_on: SmtpInbox, visitor_session: Any
) -> None:
    s = visitor_session()
    with chinwag_app.app_context():
        visitor = ctx.visitor(s["visitor_id"])
        assert visitor is not None
        with pytest.raises(PluginError) as err:
            ctx.send_mail(visitor, "Hi", "text")
    assert err.value.code == "no_email" and err.value.status == 422
    run_jobs(chinwag_app)
    assert mail_on.mails == []


@pytest.mark.parametrize(
    ("to", "subject", "text"),
    [
        ("not-an-address", "Hi", "x"),
        ("a@example.com, b@example.com", "Hi", "x"),
        ("a@example.com", "Hi\r\nBcc: evil@example.com", "x"),
        ("a@example.com", "   ", "x"),
        ("a@example.com", "Hi", "x" * 200_001),
    ],
)
def test_malformed_mail_is_refused_with_a_clear_error(
    chinwag_app: Any, ctx: PluginContext, mail_on: SmtpInbox, to: str, subject: str, text: str
) -> None:
    with chinwag_app.app_context(), pytest.raises(PluginError) as err:
        ctx.send_mail(to, subject, text)
    assert err.value.code == "invalid_mail" and err.value.status == 400
    run_jobs(chinwag_app)
    assert mail_on.mails == []


def test_without_mail_configured_send_mail_says_mail_unavailable(
    chinwag_app: Any, ctx: PluginContext
) -> None:
    chinwag_app.config["CHINWAG_SMTP_URL"] = ""
    with chinwag_app.app_context(), pytest.raises(PluginError) as err:
        ctx.send_mail("owner@shop.example", "Hi", "text")
    assert err.value.code == "mail_unavailable" and err.value.status == 503
    assert err.value.message == "This site cannot send e-mail."


def test_visitor_online_follows_the_widget_socket(
    chinwag_app: Any, ctx: PluginContext, visitor_session: Any, socket_client: Any, demo_site: Any
) -> None:
    s = visitor_session()
    with chinwag_app.app_context():
        assert ctx.visitor_online(s["visitor_id"]) is False
    v = socket_client(
        "/widget", {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    )
    with chinwag_app.app_context():
        assert ctx.visitor_online(s["visitor_id"]) is True
    v.disconnect(namespace="/widget")
    with chinwag_app.app_context():
        assert ctx.visitor_online(s["visitor_id"]) is False


def test_mail_is_queued_when_the_transaction_commits_never_when_it_rolls_back(
    chinwag_app: Any, ctx: PluginContext, mail_on: SmtpInbox, demo_site: Any
) -> None:
    from chinwag.extensions import db
    from chinwag.models import Site

    with chinwag_app.app_context():
        db.session.get(Site, demo_site["id"])  # a transaction is open now
        ctx.send_mail("owner@shop.example", "Taken back", "x")
        db.session.rollback()
        db.session.get(Site, demo_site["id"])
        ctx.send_mail("owner@shop.example", "Kept", "y")
        huey = chinwag_app.extensions["chinwag"].jobs.huey
        assert huey.pending_count() == 0  # not queued before the commit
        db.session.commit()
    run_jobs(chinwag_app)
    _rcpts, mail = mail_on.only()
    assert mail["Subject"] == "Kept"

"""The visitor's own privacy requests (the widget's Privacy tab, docs/privacy.md "Visitor
self-service") and the mailer they use, against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import hashlib
import logging
import re
import time
from email.message import EmailMessage
from typing import Any

import jwt
import pytest
from chinwag_plugin_api import PluginContext, PluginInfo, PrivacyHandler, VisitorRef
from sqlalchemy import func, select

from chinwag.testing import SmtpInbox

ORIGIN = {"Origin": "https://shop.example"}


@pytest.fixture
def mail_app(chinwag_app: Any, smtp_server: SmtpInbox) -> Any:
    chinwag_app.config["CHINWAG_SMTP_URL"] = smtp_server.url("chinwag", "s3cret/pass")
    chinwag_app.config["CHINWAG_MAIL_FROM"] = "help@shop.example"
    return chinwag_app


def _say(socket_client: Any, site: dict[str, Any], token: str, *texts: str) -> int:
    v = socket_client("/widget", {"site_key": site["site_key"], "visitor_token": token})
    conv = None
    for n, text in enumerate(texts):
        ack = v.emit(
            "message.send",
            {"client_msg_id": f"m{n}", "text": text, "conversation_id": conv},
            namespace="/widget",
            callback=True,
        )
        assert ack["ok"], ack
        conv = ack["conversation"]["id"]
    v.disconnect(namespace="/widget")
    assert conv is not None
    return int(conv)


def _identity(site: dict[str, Any], sub: str, email: str) -> str:
    secret = site["identity_secret"]
    kid = hashlib.sha256(secret.encode()).hexdigest()[:16]
    body = {"sub": sub, "email": email, "exp": int(time.time()) + 600}
    return jwt.encode(body, secret, algorithm="HS256", headers={"kid": kid})


def _visitor(token: str) -> dict[str, str]:
    return {"Authorization": f"Visitor {token}"}


def _parts(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_a_verified_visitor_gets_their_transcript_without_internal_notes(
    mail_app: Any,
    chinwag_client: Any,
    demo_site: Any,
    visitor_session: Any,
    socket_client: Any,
    smtp_server: SmtpInbox,
    run_jobs: Any,
) -> None:
    from chinwag.extensions import db
    from chinwag.notes import InternalNote

    inbox = smtp_server
    s = visitor_session(identity=_identity(demo_site, "user-7", "ann@example.com"))
    assert s["verified"]
    conv = _say(socket_client, demo_site, s["visitor_token"], "Where is my order?", "It is #42 <b>")
    with mail_app.app_context():
        db.session.add(
            InternalNote(conversation_id=conv, author_kind="agent", text="VIP, rude last time")
        )
        db.session.commit()

    res = chinwag_client.post(
        "/api/v1/widget/privacy/transcript", json={}, headers=_visitor(s["visitor_token"])
    )
    assert res.status_code == 202, res.get_json()
    assert res.get_json() == {"status": "sent", "to": "a…@example.com"}
    assert inbox.mails == []  # never inside the request: on the job queue
    run_jobs()
    rcpt, mail = inbox.only()
    assert rcpt == ["ann@example.com"] and mail["From"] == "help@shop.example"
    assert mail["Subject"] == "Your chat transcript from Test site"
    text, html = _parts(mail)
    assert "You: Where is my order?" in text and "You: It is #42 <b>" in text
    assert "It is #42 &lt;b&gt;" in html and "#42 <b>" not in html
    assert "VIP" not in text and "VIP" not in html
    # the mailer logged in with the URL's credentials (percent-decoded)
    assert inbox.logins == [(b"chinwag", b"s3cret/pass")]


def test_an_unverified_address_is_confirmed_by_a_single_use_link(
    mail_app: Any,
    chinwag_client: Any,
    demo_site: Any,
    visitor_session: Any,
    socket_client: Any,
    smtp_server: SmtpInbox,
    run_jobs: Any,
) -> None:
    inbox = smtp_server
    s = visitor_session()
    _say(socket_client, demo_site, s["visitor_token"], "hello there")
    h = _visitor(s["visitor_token"])
    url = "/api/v1/widget/privacy/transcript"

    # validated, with stable codes
    assert chinwag_client.post(url, json={}, headers=h).get_json()["error"]["code"] == (
        "email_required"
    )
    bad = chinwag_client.post(url, json={"email": "not-an-address"}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"
    extra = chinwag_client.post(url, json={"email": "bo@example.org", "to": "x"}, headers=h)
    assert extra.status_code == 400 and extra.get_json()["error"]["code"] == "validation_error"
    anon = chinwag_client.post(url, json={"email": "bo@example.org"})
    assert anon.status_code == 401 and anon.get_json()["error"]["code"] == "token_invalid"

    res = chinwag_client.post(url, json={"email": "bo@example.org"}, headers=h)
    assert res.status_code == 202
    assert res.get_json() == {"status": "verification_sent", "to": "b…@example.org"}
    run_jobs()
    rcpt, mail = inbox.only()
    assert rcpt == ["bo@example.org"]
    text, html = _parts(mail)
    assert "hello there" not in text  # the transcript waits for the confirmation
    link = re.search(r"http://\S+/api/v1/widget/privacy/confirm\?token=(\S+)", text)
    assert link is not None and link.group(1) in html
    token = link.group(1)

    # opening the link changes nothing (a mail scanner may follow it); the button confirms
    page = chinwag_client.get(f"/api/v1/widget/privacy/confirm?token={token}")
    assert page.status_code == 200 and b'<form method="post">' in page.data
    run_jobs()
    assert inbox.mails == []
    done = chinwag_client.post("/api/v1/widget/privacy/confirm", data={"token": token})
    assert done.status_code == 202 and "b…@example.org" in done.get_data(as_text=True)
    run_jobs()
    rcpt, mail = inbox.only()
    assert rcpt == ["bo@example.org"] and "You: hello there" in _parts(mail)[0]

    # single use, and tamper-proof
    again = chinwag_client.post("/api/v1/widget/privacy/confirm", json={"token": token})
    assert again.status_code == 410 and again.get_json()["error"]["code"] == "link_used"
    forged = chinwag_client.post(
        "/api/v1/widget/privacy/confirm", json={"token": token[:-3] + "AAA"}
    )
    assert forged.status_code == 400 and forged.get_json()["error"]["code"] == "link_invalid"
    page = chinwag_client.get("/api/v1/widget/privacy/confirm?token=nonsense-token")
    assert page.status_code == 400 and b'data-code="link_invalid"' in page.data
    run_jobs()
    assert inbox.mails == []


def test_a_link_expires_after_an_hour(
    mail_app: Any,
    chinwag_client: Any,
    visitor_session: Any,
    smtp_server: SmtpInbox,
    run_jobs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chinwag.actions import privacy

    s = visitor_session()
    chinwag_client.post(
        "/api/v1/widget/privacy/transcript",
        json={"email": "cy@example.net"},
        headers=_visitor(s["visitor_token"]),
    )
    run_jobs()
    _rcpt, mail = smtp_server.only()
    token = re.search(r"token=(\S+)", _parts(mail)[0]).group(1)  # type: ignore[union-attr]
    later = time.time() + privacy.LINK_SECONDS + 1
    monkeypatch.setattr(privacy, "now_seconds", lambda: later)
    res = chinwag_client.post("/api/v1/widget/privacy/confirm", json={"token": token})
    assert res.status_code == 410 and res.get_json()["error"]["code"] == "link_expired"
    page = chinwag_client.get(f"/api/v1/widget/privacy/confirm?token={token}")
    assert page.status_code == 410 and b'data-code="link_expired"' in page.data
    run_jobs()
    assert smtp_server.mails == []


def test_mail_requests_are_rate_limited_per_visitor_and_per_address(
    mail_app: Any, chinwag_client: Any, visitor_session: Any, smtp_server: SmtpInbox, run_jobs: Any
) -> None:
    url = "/api/v1/widget/privacy/transcript"
    one, two = visitor_session(), visitor_session()
    for n in range(3):
        body = {"email": f"dee{n}@example.com"}
        assert (
            chinwag_client.post(url, json=body, headers=_visitor(one["visitor_token"])).status_code
            == 202
        )
    refused = chinwag_client.post(
        url, json={"email": "eve@example.com"}, headers=_visitor(one["visitor_token"])
    )
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    # another visitor, one address: three mails to it, then no more
    for _n in range(2):
        assert (
            chinwag_client.post(
                url, json={"email": "dee0@example.com"}, headers=_visitor(two["visitor_token"])
            ).status_code
            == 202
        )
    refused = chinwag_client.post(
        url, json={"email": "DEE0@example.com"}, headers=_visitor(two["visitor_token"])
    )
    assert refused.status_code == 429
    run_jobs()
    assert len(smtp_server.mails) == 5


def test_without_a_mail_server_the_transcript_is_refused_and_the_tab_says_so(
    chinwag_client: Any, demo_site: Any, visitor_session: Any
) -> None:
    s = visitor_session()
    res = chinwag_client.post(
        "/api/v1/widget/privacy/transcript",
        json={"email": "fay@example.com"},
        headers=_visitor(s["visitor_token"]),
    )
    assert res.status_code == 503 and res.get_json()["error"]["code"] == "mail_unavailable"
    tab = [f for f in s["features"]["features"] if f["type"] == "consent"]
    assert tab and tab[0]["mail"] is False and tab[0]["purposes"] == []


def test_the_mailer_retries_a_refused_mail_and_never_logs_the_password(
    mail_app: Any, smtp_server: SmtpInbox, run_jobs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from chinwag import mailer

    inbox = smtp_server
    inbox.refuse = 2
    caplog.set_level(logging.DEBUG)
    with mail_app.app_context():
        mailer.queue("gus@example.com", "Hi", "plain body", "<p>html body</p>")
    run_jobs()
    rcpt, mail = inbox.only()
    text, html = _parts(mail)
    assert rcpt == ["gus@example.com"] and (text.strip(), html.strip()) == (
        "plain body",
        "<p>html body</p>",
    )
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "mail sent through smtp://chinwag@127.0.0.1" in ours
    assert "s3cret" not in ours and "gus@example.com" not in ours
    with mail_app.app_context():
        health = mail_app.extensions["chinwag"].jobs.health(["chinwag"])["chinwag"]
    assert health["retried"] == 2 and health["failed"] == 0
    assert health["last_error"] == (
        f"chinwag.mailer:deliver raised MailError('mail through smtp://chinwag@127.0.0.1:{smtp_server.port} "
        "failed: SMTPDataError 451')"
    )


def test_a_malformed_mail_url_turns_mail_off(
    chinwag_app: Any, chinwag_client: Any, visitor_session: Any
) -> None:
    chinwag_app.config["CHINWAG_SMTP_URL"] = "smtpx://u:hunter2@relay"
    s = visitor_session()
    res = chinwag_client.post(
        "/api/v1/widget/privacy/transcript",
        json={"email": "ida@example.com"},
        headers=_visitor(s["visitor_token"]),
    )
    assert res.status_code == 503 and res.get_json()["error"]["code"] == "mail_unavailable"


def test_mail_urls() -> None:
    from chinwag.mailer import parse_url

    got = parse_url("smtps://me%40x.org:p%3Aw@mail.example:2465")
    assert (got.host, got.port, got.tls, got.username, got.password) == (
        "mail.example",
        2465,
        True,
        "me@x.org",
        "p:w",
    )
    assert got.describe() == "smtps://me@x.org@mail.example:2465"
    assert parse_url("smtp://relay").port == 25 and parse_url("smtps://relay").port == 465
    for bad in ("http://relay", "smtp://", "smtp://relay:99999"):
        with pytest.raises(ValueError) as err:
            parse_url(bad)
        assert "p:w" not in str(err.value)


class Remembers(PrivacyHandler):
    """A plugin that keeps something about visitors: its erase hook must run."""

    erased: list[int] = []

    def export(self, ctx: PluginContext, visitor: VisitorRef) -> dict[str, Any]:
        return {}

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        Remembers.erased.append(visitor.id)


def test_deleting_my_history_erases_everything_of_the_visitor(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: Any,
    visitor_session: Any,
    socket_client: Any,
) -> None:
    from chinwag.audit import AuditEntry
    from chinwag.consent import ConsentRecord
    from chinwag.extensions import db
    from chinwag.models import Conversation, Message, Visitor, VisitorToken

    Remembers.erased = []
    host = chinwag_app.extensions["chinwag"].plugins
    host.register_test_plugin(
        "remembers", PluginInfo("Remembers"), {PrivacyHandler.namespace: [Remembers]}
    )
    s = visitor_session(name="Hal", email="hal@example.com", consent_version="1")
    other = visitor_session()
    _say(socket_client, demo_site, s["visitor_token"], "first", "second")
    _say(socket_client, demo_site, other["visitor_token"], "someone else")
    vid = s["visitor_id"]
    h = _visitor(s["visitor_token"])

    assert chinwag_client.delete("/api/v1/widget/privacy/history").status_code == 401
    res = chinwag_client.delete("/api/v1/widget/privacy/history", headers=h)
    assert res.status_code == 200 and res.get_json() == {"erased": True}
    assert Remembers.erased == [vid]

    with chinwag_app.app_context():
        count = lambda stmt: db.session.execute(stmt).scalar_one()  # noqa: E731
        assert db.session.get(Visitor, vid) is None
        assert (
            count(
                select(func.count()).select_from(Conversation).where(Conversation.visitor_id == vid)
            )
            == 0
        )
        assert (
            count(
                select(func.count()).select_from(VisitorToken).where(VisitorToken.visitor_id == vid)
            )
            == 0
        )
        assert (
            count(
                select(func.count())
                .select_from(ConsentRecord)
                .where(ConsentRecord.visitor_id == vid)
            )
            == 0
        )
        texts = db.session.execute(select(Message.text)).scalars().all()
        assert texts == ["someone else"]  # the other visitor's conversation stays
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "visitor.erase")
        ).scalar_one()
        assert entry.actor == f"visitor:{vid}" and entry.target_id == str(vid)
        assert entry.details["requested_by"] == "visitor" and entry.details["messages"] == 2
        assert "hal@example.com" not in entry.search_text and "first" not in entry.search_text

    # the token is gone: the widget starts a fresh session, a new, empty visitor
    again = chinwag_client.delete("/api/v1/widget/privacy/history", headers=h)
    assert again.status_code == 401 and again.get_json()["error"]["code"] == "token_invalid"
    fresh = chinwag_client.post(
        "/api/v1/widget/session",
        json={"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]},
        headers=ORIGIN,
    ).get_json()
    assert fresh["visitor_id"] != vid
    listed = chinwag_client.get(
        "/api/v1/conversations", headers=_visitor(fresh["visitor_token"])
    ).get_json()
    assert listed == []


def test_links_read_back_whatever_their_length(chinwag_app: Any) -> None:
    """Base64 without padding: every payload length signs and reads back (a regression)."""
    from chinwag.actions import privacy

    with chinwag_app.test_request_context():
        for n in range(1, 8):
            email = "a" * n + "@example.com"
            assert privacy.read_link(privacy.sign_link(7, email))["e"] == email

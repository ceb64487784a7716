"""Self-service confirmation links (docs/privacy.md "Visitor self-service"): a used link's
marker lives only as long as the link, and the address a visitor confirms becomes theirs,
vouched for by the link, beside the one a site's signed identity vouches for."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import func, select

from chinwag.testing import SmtpInbox

TRANSCRIPT = "/api/v1/widget/privacy/transcript"
CONFIRM = "/api/v1/widget/privacy/confirm"


@pytest.fixture
def mail_app(chinwag_app: Any, smtp_server: SmtpInbox) -> Any:
    chinwag_app.config["CHINWAG_SMTP_URL"] = smtp_server.url()
    chinwag_app.config["CHINWAG_MAIL_FROM"] = "help@shop.example"
    return chinwag_app


def _visitor(token: str) -> dict[str, str]:
    return {"Authorization": f"Visitor {token}"}


def _link_for(client: Any, token: str, email: str, inbox: SmtpInbox, run_jobs: Any) -> str:
    res = client.post(TRANSCRIPT, json={"email": email}, headers=_visitor(token))
    assert res.status_code == 202 and res.get_json()["status"] == "verification_sent"
    run_jobs()
    _rcpt, mail = inbox.only()
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(r"token=(\S+)", body.get_content())
    assert found is not None
    return found.group(1)


def _used_links(app: Any) -> int:
    from chinwag.extensions import db
    from chinwag.models import UsedLink

    with app.app_context():
        return int(db.session.execute(select(func.count()).select_from(UsedLink)).scalar() or 0)


def _found(client: Any, admin_token: str, visitor_id: int) -> dict[str, Any]:
    res = client.get(
        f"/api/v1/visitors?visitor_id={visitor_id}",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200, res.get_json()
    (row,) = res.get_json()
    return dict(row)


def test_used_link_markers_are_purged_by_retention_once_the_link_has_expired(
    mail_app: Any,
    chinwag_client: Any,
    visitor_session: Any,
    smtp_server: SmtpInbox,
    run_jobs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chinwag import retention
    from chinwag.actions import privacy

    s = visitor_session()
    token = _link_for(chinwag_client, s["visitor_token"], "di@example.com", smtp_server, run_jobs)
    assert chinwag_client.post(CONFIRM, json={"token": token}).status_code == 202
    run_jobs()
    smtp_server.mails.clear()
    assert _used_links(mail_app) == 1

    # a run while the link could still be used keeps its marker: the link stays used up
    with mail_app.app_context():
        retention.run_all(datetime.now(UTC))
    assert _used_links(mail_app) == 1
    again = chinwag_client.post(CONFIRM, json={"token": token})
    assert again.status_code == 410 and again.get_json()["error"]["code"] == "link_used"

    # past its lifetime the marker goes; the link is refused by its own signed expiry
    later = time.time() + privacy.LINK_SECONDS + 5
    with mail_app.app_context():
        retention.run_all(datetime.fromtimestamp(later, UTC))
    assert _used_links(mail_app) == 0
    monkeypatch.setattr(privacy, "now_seconds", lambda: later)
    expired = chinwag_client.post(CONFIRM, json={"token": token})
    assert expired.status_code == 410 and expired.get_json()["error"]["code"] == "link_expired"
    run_jobs()
    assert smtp_server.mails == []


def test_the_hourly_retention_job_purges_expired_markers_without_any_site_policy(
    mail_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chinwag.extensions import db
    from chinwag.models import UsedLink
    from chinwag.retention import RetentionJob
    from chinwag.state import state

    with mail_app.app_context():
        past, future = datetime.now(UTC) - timedelta(minutes=1), datetime.now(UTC) + timedelta(1)
        db.session.add_all(
            [UsedLink(nonce="gone", expires_at=past), UsedLink(nonce="kept", expires_at=future)]
        )
        db.session.commit()
        RetentionJob().run(state().context(state().plugins.records["chinwag"]))
        left = list(db.session.execute(select(UsedLink.nonce)).scalars())
    assert left == ["kept"]


def test_a_confirmed_address_is_recorded_as_verified_by_the_link(
    mail_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_session: Any,
    smtp_server: SmtpInbox,
    run_jobs: Any,
) -> None:
    s = visitor_session()
    vid = s["visitor_id"]
    assert _found(chinwag_client, admin_token, vid)["email_verified_by"] is None
    token = _link_for(chinwag_client, s["visitor_token"], "Ed@Example.com", smtp_server, run_jobs)
    # asking is not confirming: nothing is recorded before the link is used
    assert _found(chinwag_client, admin_token, vid)["email"] is None
    assert chinwag_client.post(CONFIRM, json={"token": token}).status_code == 202
    run_jobs()
    smtp_server.mails.clear()

    row = _found(chinwag_client, admin_token, vid)
    assert row["email"] == "Ed@Example.com" and row["email_verified_by"] == "link"
    assert row["verified"] is False  # the identity is still nobody's word: only the address is
    export = chinwag_client.get(
        f"/api/v1/visitors/{vid}/export", headers={"Authorization": f"Bearer {admin_token}"}
    ).get_json()
    assert export["visitor"]["email_verified_by"] == "link"
    assert export["visitor"]["email_verified_at"]

    # the confirmed address gets the next transcript at once; another address needs its link
    h = _visitor(s["visitor_token"])
    now = chinwag_client.post(TRANSCRIPT, json={"email": "ed@example.com"}, headers=h)
    assert now.get_json() == {"status": "sent", "to": "E…@Example.com"}
    other = chinwag_client.post(TRANSCRIPT, json={"email": "fay@example.com"}, headers=h)
    assert other.get_json()["status"] == "verification_sent"
    run_jobs()
    assert sorted(rcpt for rcpt, _ in smtp_server.mails) == [
        ["Ed@Example.com"],
        ["fay@example.com"],
    ]

    # typing another address in the widget's form takes the badge away
    visitor_session(visitor_token=s["visitor_token"], email="gus@example.com")
    row = _found(chinwag_client, admin_token, vid)
    assert row["email"] == "gus@example.com" and row["email_verified_by"] is None


def test_an_identity_address_is_verified_by_the_site_and_a_link_does_not_replace_it(
    mail_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: Any,
    visitor_session: Any,
    smtp_server: SmtpInbox,
    run_jobs: Any,
) -> None:
    secret = demo_site["identity_secret"]
    kid = hashlib.sha256(secret.encode()).hexdigest()[:16]
    claims = {"sub": "u-9", "email": "hal@example.com", "exp": int(time.time()) + 600}
    identity = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})
    s = visitor_session(identity=identity)
    row = _found(chinwag_client, admin_token, s["visitor_id"])
    assert row["verified"] is True and row["email_verified_by"] == "identity"
    # a verified visitor's transcript goes to the identity's address, whatever is typed
    res = chinwag_client.post(
        TRANSCRIPT, json={"email": "ivy@example.com"}, headers=_visitor(s["visitor_token"])
    )
    assert res.get_json() == {"status": "sent", "to": "h…@example.com"}
    run_jobs()
    assert [rcpt for rcpt, _ in smtp_server.mails] == [["hal@example.com"]]

"""The visitor's own export, by mail (docs/privacy.md "Visitor self-service", *E-mail me a copy
of all my data*): a download link, signed and expiring, mailed to a vouched-for address (at once
for a verified visitor, after a confirmation link for anyone else); the archive it downloads is
the admin's export, audited as requested by the visitor. A real SMTP server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from typing import Any

import pytest
from sqlalchemy import select
from test_privacy_self_service import _identity, _parts, _say, _visitor, mail_app  # noqa: F401

from chinwag.testing import SmtpInbox

EXPORT = "/api/v1/widget/privacy/export"
DOWNLOAD = "/api/v1/widget/privacy/download"


def _link(mail: Any, path: str) -> str:
    """The token of the link to ``path`` in a mail (in its text and its HTML alike)."""
    text, html = _parts(mail)
    found = re.search(rf"http://\S+/api/v1/widget/privacy/{path}\?token=(\S+)", text)
    assert found is not None, text
    assert found.group(1) in html
    return found.group(1)


def _export_json(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert answer.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        return dict(json.loads(archive.read("export.json")))


def test_a_verified_visitor_is_mailed_a_download_link_to_their_archive(
    mail_app: Any,  # noqa: F811 (the fixture imported above)
    chinwag_client: Any,
    demo_site: Any,
    visitor_session: Any,
    socket_client: Any,
    smtp_server: SmtpInbox,
    run_jobs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chinwag.actions import privacy
    from chinwag.audit import AuditEntry
    from chinwag.extensions import db

    s = visitor_session(identity=_identity(demo_site, "user-9", "ivy@example.com"))
    vid = s["visitor_id"]
    _say(socket_client, demo_site, s["visitor_token"], "Please send me my data")
    assert chinwag_client.post(EXPORT, json={}).status_code == 401
    res = chinwag_client.post(EXPORT, json={}, headers=_visitor(s["visitor_token"]))
    assert res.status_code == 202 and res.get_json() == {"status": "sent", "to": "i…@example.com"}
    assert smtp_server.mails == []  # on the job queue, never inside the request
    run_jobs()
    rcpt, mail = smtp_server.only()
    assert rcpt == ["ivy@example.com"] and mail["Subject"] == "Your data from Test site"
    assert "Please send me my data" not in _parts(mail)[0]  # a link, never the data itself
    token = _link(mail, "download")

    # opening the link downloads nothing (a mail scanner may follow it): its button does
    page = chinwag_client.get(f"{DOWNLOAD}?token={token}")
    assert page.status_code == 200 and b"Download my data" in page.data
    exports = select(AuditEntry).where(AuditEntry.action == "visitor.export")
    with mail_app.app_context():
        assert db.session.execute(exports).scalars().all() == []
    data = _export_json(chinwag_client.post(DOWNLOAD, data={"token": token}))
    assert data["visitor"]["id"] == vid and data["visitor"]["email"] == "ivy@example.com"
    texts = [m["text"] for c in data["conversations"] for m in c["messages"]]
    assert texts == ["Please send me my data"] and data["archive"]["errors"] == []
    # usable again until it expires (a download that failed halfway is tried again), audited
    again = _export_json(chinwag_client.post(DOWNLOAD, json={"token": token}))
    assert again["visitor"]["id"] == vid
    with mail_app.app_context():
        entries = db.session.execute(exports).scalars().all()
        assert [(e.action, e.actor, e.target_id) for e in entries] == [
            ("visitor.export", f"visitor:{vid}", str(vid))
        ] * 2
        assert entries[0].details["archive"] is True
        assert entries[0].details["requested_by"] == "visitor"

    # a download link is no confirmation link, nor the reverse, and cannot be forged
    wrong = chinwag_client.post("/api/v1/widget/privacy/confirm", json={"token": token})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "link_invalid"
    with mail_app.test_request_context():
        confirm_token = privacy.sign_link(vid, "ivy@example.com", privacy.EXPORT)
    for bad in (confirm_token, token[:-3] + "AAA"):
        refused = chinwag_client.post(DOWNLOAD, json={"token": bad})
        assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "link_invalid"

    # at most five archives per visitor an hour
    for _n in range(3):
        assert chinwag_client.post(DOWNLOAD, json={"token": token}).status_code == 200
    limited = chinwag_client.post(DOWNLOAD, json={"token": token})
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"

    # it expires after a day; and once the visitor is erased it names nobody
    later = time.time() + 24 * 3600 + 5
    monkeypatch.setattr(privacy, "now_seconds", lambda: later)
    expired = chinwag_client.get(f"{DOWNLOAD}?token={token}")
    assert expired.status_code == 410 and b'data-code="link_expired"' in expired.data
    monkeypatch.undo()
    assert (
        chinwag_client.delete(
            "/api/v1/widget/privacy/history", headers=_visitor(s["visitor_token"])
        ).status_code
        == 200
    )
    gone = chinwag_client.get(f"{DOWNLOAD}?token={token}")
    assert gone.status_code == 400 and b'data-code="link_invalid"' in gone.data


def test_an_unverified_visitor_confirms_the_address_then_gets_the_download_link(
    mail_app: Any,  # noqa: F811 (the fixture imported above)
    chinwag_client: Any,
    demo_site: Any,
    visitor_session: Any,
    socket_client: Any,
    smtp_server: SmtpInbox,
    run_jobs: Any,
) -> None:
    s = visitor_session()
    _say(socket_client, demo_site, s["visitor_token"], "my parcel is late")
    h = _visitor(s["visitor_token"])
    missing = chinwag_client.post(EXPORT, json={}, headers=h)
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "email_required"
    res = chinwag_client.post(EXPORT, json={"email": "jo@example.org"}, headers=h)
    assert res.get_json() == {"status": "verification_sent", "to": "j…@example.org"}
    run_jobs()
    _rcpt, mail = smtp_server.only()
    assert mail["Subject"] == "Confirm your address to receive a copy of your data"
    confirm = _link(mail, "confirm")
    page = chinwag_client.get(f"/api/v1/widget/privacy/confirm?token={confirm}")
    assert b"Send me a link to my data" in page.data
    # a confirmation link downloads nothing itself
    assert chinwag_client.post(DOWNLOAD, json={"token": confirm}).status_code == 400
    done = chinwag_client.post("/api/v1/widget/privacy/confirm", data={"token": confirm})
    assert done.status_code == 202
    assert "A link to download your data is on its way to j…@example.org" in done.get_data(
        as_text=True
    )
    run_jobs()
    rcpt, mail = smtp_server.only()
    assert rcpt == ["jo@example.org"] and mail["Subject"] == "Your data from Test site"
    data = _export_json(chinwag_client.post(DOWNLOAD, data={"token": _link(mail, "download")}))
    assert data["visitor"]["email"] == "jo@example.org"
    assert data["visitor"]["email_verified_by"] == "link"
    assert [m["text"] for m in data["conversations"][0]["messages"]] == ["my parcel is late"]
    # the address is now vouched for: the next request mails the download link at once
    res = chinwag_client.post(EXPORT, json={}, headers=h)
    assert res.get_json() == {"status": "sent", "to": "j…@example.org"}

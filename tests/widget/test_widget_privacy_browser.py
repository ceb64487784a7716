"""The visitor's own privacy requests in Chromium, keyboard only (docs/privacy.md "Visitor
self-service"): the Privacy tab mails the transcript after the address is confirmed by the mailed
link, then a link to download all the visitor's data (the archive), then deletes their history;
the widget starts afresh and the screen reader hears each outcome. A real SMTP server on 127.0.0.1 (``smtp_server``) receives the mail."""

from __future__ import annotations

import json
import os
import re
import zipfile
from typing import Any

from test_widget_consent_browser import Served, served_app  # noqa: F401 (the fixture)
from widget_helpers import axe_violations, chat_frame, launcher

from chinwag.testing import SmtpInbox, create_site, run_jobs


def _focused(frame: Any) -> str:
    return str(
        frame.evaluate(
            "() => document.activeElement.textContent || document.activeElement.name || ''"
        )
    )


def _focus_reaches(frame: Any, text: str) -> None:
    """The widget moves focus in an effect after it renders: wait for it to arrive."""
    frame.wait_for_function(
        "t => (document.activeElement.textContent || document.activeElement.name || '') === t",
        arg=text,
        timeout=10_000,
    )
    assert _focused(frame) == text


def _tab_to(page: Any, frame: Any, text: str, back: bool = False) -> None:
    for _ in range(15):
        if _focused(frame) == text:
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    assert _focused(frame) == text


def _shot(page: Any, name: str) -> str:
    where = os.environ.get("CHINWAG_SCREENSHOTS") or "/tmp"
    path = f"{where}/privacy-{name}.png"
    page.locator("chinwag-widget iframe").screenshot(path=path)
    return path


def test_a_visitor_mails_their_transcript_and_data_and_deletes_their_history_by_keyboard(
    chinwag_app: Any,
    served_app: Served,  # noqa: F811 (the fixture imported above)
    host_page: Any,
    page: Any,
    smtp_server: SmtpInbox,
) -> None:
    from sqlalchemy import func, select

    from chinwag.extensions import db
    from chinwag.models import Message, Site, Visitor

    server = served_app
    chinwag_app.config["CHINWAG_SMTP_URL"] = smtp_server.url()
    server.extra["site"] = site = create_site(chinwag_app, name="Shop")
    host = host_page(server)
    with chinwag_app.app_context():
        db.session.get(Site, site["id"]).allowed_origins = [server.url, host.origin]
        db.session.commit()

    page.goto(host.origin)
    launcher(page).focus()
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    composer = frame.locator("#cw-input")
    composer.wait_for()
    page.keyboard.type("Is my parcel on its way?")
    page.keyboard.press("Enter")
    frame.get_by_role("log").get_by_text("Is my parcel on its way?").wait_for()
    with chinwag_app.app_context():
        created = db.session.execute(
            select(Visitor.created_at).where(Visitor.site_id == site["id"])
        ).scalar_one()

    # the Privacy tab, by keys; an anonymous visitor gives the address to send to
    _tab_to(page, frame, "Privacy", back=True)
    page.keyboard.press("Enter")
    frame.get_by_role("heading", name="Privacy").wait_for()
    _tab_to(page, frame, "cw-transcript-email")
    page.keyboard.type("tess@example.com")
    page.keyboard.press("Enter")
    status = frame.get_by_role("status").filter(has_text="We sent a link to t…@example.com")
    status.wait_for()
    assert axe_violations(page) == []

    # the link in the mail, then its button, by keys: the transcript arrives
    run_jobs(chinwag_app)
    rcpt, mail = smtp_server.only()
    assert rcpt == ["tess@example.com"]
    link = re.search(r"https?://\S+/confirm\?token=\S+", mail.get_body(("plain",)).get_content())
    assert link is not None
    other = page.context.new_page()
    other.goto(link.group(0))
    other.keyboard.press("Tab")
    other.keyboard.press("Enter")
    other.get_by_role("heading", name="Address confirmed").wait_for()
    other.close()
    run_jobs(chinwag_app)
    rcpt, mail = smtp_server.only()
    assert mail["Subject"] == "Your chat transcript from Shop"
    assert "You: Is my parcel on its way?" in mail.get_body(("plain",)).get_content()

    # a copy of all my data: the address is confirmed now, so the download link comes at once
    _tab_to(page, frame, "E-mail me a copy of all my data")
    page.keyboard.press("Enter")
    frame.get_by_role("status").filter(
        has_text="A link to download your data is on its way to t…@example.com."
    ).wait_for()
    run_jobs(chinwag_app)
    rcpt, mail = smtp_server.only()
    assert rcpt == ["tess@example.com"] and mail["Subject"] == "Your data from Shop"
    link = re.search(r"https?://\S+/download\?token=\S+", mail.get_body(("plain",)).get_content())
    assert link is not None
    other = page.context.new_page()
    other.goto(link.group(0))
    other.get_by_role("heading", name="Download your data").wait_for()
    other.keyboard.press("Tab")
    with other.expect_download() as download:
        other.keyboard.press("Enter")
    with zipfile.ZipFile(download.value.path()) as archive:
        exported = json.loads(archive.read("export.json"))
    other.close()
    said = [m["text"] for c in exported["conversations"] for m in c["messages"]]
    assert "Is my parcel on its way?" in said
    assert exported["visitor"]["email"] == "tess@example.com"

    # delete my history: a confirmation first, focus on its answer
    key = f"chinwag:{site['site_key']}:session"
    old_token = frame.evaluate("(k) => JSON.parse(localStorage.getItem(k)).visitor_token", key)
    _tab_to(page, frame, "Delete my history")
    page.keyboard.press("Enter")
    _focus_reaches(frame, "Yes, delete everything")
    question = frame.get_by_role("group", name=re.compile("Delete all your conversations"))
    question.wait_for()
    assert axe_violations(page) == []
    _shot(page, "confirm")
    page.keyboard.press("Enter")
    done = frame.get_by_role("status").filter(has_text="Your history has been deleted.")
    done.wait_for()
    # the outcome is where focus is, and in a live region: the screen reader hears it
    assert frame.evaluate("() => document.activeElement.getAttribute('role')") == "status"
    # a fresh, empty session on this device: one new visitor, nothing of the old one
    frame.wait_for_function(
        "(a) => { const s = JSON.parse(localStorage.getItem(a.key) || 'null');"
        " return s && s.visitor_token !== a.old; }",
        arg={"key": key, "old": old_token},
    )
    with chinwag_app.app_context():
        visitors = (
            db.session.execute(select(Visitor).where(Visitor.site_id == site["id"])).scalars().all()
        )
        texts = db.session.execute(select(func.count()).select_from(Message)).scalar_one()
    # (SQLite may give the new visitor the erased one's id: the row is new all the same)
    assert texts == 0 and len(visitors) == 1 and visitors[0].created_at > created
    assert axe_violations(page) == []
    _shot(page, "deleted")
    page.keyboard.press("Shift+Tab")
    _tab_to(page, frame, "Messages", back=True)
    page.keyboard.press("Enter")
    composer.wait_for()
    assert frame.get_by_role("log").get_by_text("Is my parcel on its way?").count() == 0
    assert axe_violations(page) == []

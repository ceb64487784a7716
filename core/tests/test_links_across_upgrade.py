"""One-time confirmation links (the transcript's "confirm your address" mail) issued before
migration 0023_ids_never_reused, on a SQLite database that reused ids: a link used before the
upgrade stays used after it, and a link issued to a visitor who was then erased never works for
the new visitor who got the erased one's id (before 0023, or once more after it: the rebuilt
table's counter starts at the highest id it copied)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from chinwag import dbmigrate
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.testing import SmtpInbox, create_site, dispose, insert_site, make_app


def _visitor(app: Any, site_id: int, later: float = 0) -> int:
    """A new visitor; ``later``: arriving that many seconds from now (a link's clock counts
    whole seconds: a newcomer in the very second of the link cannot be told apart)."""
    from datetime import UTC, datetime, timedelta

    from chinwag.models import Visitor

    with app.app_context():
        visitor = Visitor(site_id=site_id, created_at=datetime.now(UTC) + timedelta(seconds=later))
        db.session.add(visitor)
        db.session.commit()
        return visitor.id


def _confirm(app: Any, token: str) -> str:
    """The outcome of following the link: ``sent`` or the refusal's code."""
    from chinwag.actions import privacy_mail

    with app.app_context():
        try:
            return str(privacy_mail.confirm_link(token)["status"])
        except ApiError as err:
            return err.code
        finally:
            db.session.remove()


def _email(app: Any, visitor_id: int) -> tuple[str | None, str | None]:
    from chinwag.models import Visitor

    with app.app_context():
        v = db.session.get(Visitor, visitor_id)
        assert v is not None
        return v.email, v.email_verified_by


def test_links_issued_before_0023_keep_their_promises(
    tmp_path: Path, smtp_server: SmtpInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chinwag.actions import privacy
    from chinwag.models import Visitor

    app = make_app(
        tmp_path,
        revision="0022_verified_email",
        CHINWAG_SMTP_URL=smtp_server.url(),
        CHINWAG_MAIL_FROM="help@shop.example",
    )
    try:
        site = insert_site(app)  # held at 0022
        kept = _visitor(app, site["id"])
        leaving = _visitor(app, site["id"])
        with app.app_context():
            used = privacy.sign_link(kept, "kept@example.com")
            orphan = privacy.sign_link(leaving, "left@example.com")
        assert _confirm(app, used) == "sent"
        # the newest visitor is erased while their link is still out
        with app.app_context():
            privacy.erase_visitor(db.session.get(Visitor, leaving), None, audited=False)
            db.session.commit()
        assert _confirm(app, orphan) == "link_invalid"

        steps = dbmigrate.upgrade(app, "0023_ids_never_reused")
        assert [s.revision for s in steps] == ["0023_ids_never_reused"]

        assert _confirm(app, used) == "link_used"  # used before the upgrade: still used
        newcomer = _visitor(app, site["id"], later=2)
        # the erased id was above every row the rebuild copied: the newcomer has it
        assert newcomer == leaving
        assert _confirm(app, orphan) == "link_invalid"
        assert _email(app, newcomer) == (None, None)  # not given the erased visitor's address
        assert _email(app, kept) == ("kept@example.com", "link")
        # the newcomer's own link works
        monkeypatch.setattr(privacy, "now_seconds", lambda: time.time() + 2)
        with app.app_context():
            fresh = privacy.sign_link(newcomer, "new@example.com")
        assert _confirm(app, fresh) == "sent"
        assert _email(app, newcomer) == ("new@example.com", "link")
        # and from now on no id is handed out twice
        with app.app_context():
            privacy.erase_visitor(db.session.get(Visitor, newcomer), None, audited=False)
            db.session.commit()
        assert _visitor(app, site["id"]) > newcomer
    finally:
        dispose(app)


@pytest.mark.parametrize(("shift", "outcome"), [(0, "sent"), (-1, "link_invalid")])
def test_a_link_counts_for_visitors_who_existed_when_it_was_signed(
    tmp_path: Path,
    smtp_server: SmtpInbox,
    monkeypatch: pytest.MonkeyPatch,
    shift: int,
    outcome: str,
) -> None:
    """The link's clock is in whole seconds: signed in the second the visitor was created (a
    fraction of a second after it, truncated) it is theirs; signed a second before, it was
    someone else's."""
    from datetime import UTC

    from chinwag.actions import privacy
    from chinwag.models import Visitor

    app = make_app(
        tmp_path, CHINWAG_SMTP_URL=smtp_server.url(), CHINWAG_MAIL_FROM="help@shop.example"
    )
    try:
        site = create_site(app)
        visitor = _visitor(app, site["id"])
        with app.app_context():
            created = db.session.get(Visitor, visitor).created_at
        second = int(created.replace(tzinfo=created.tzinfo or UTC).timestamp())
        monkeypatch.setattr(privacy, "now_seconds", lambda: second + shift + 0.999)
        with app.app_context():
            token = privacy.sign_link(visitor, "me@example.com")
        assert _confirm(app, token) == outcome
    finally:
        dispose(app)

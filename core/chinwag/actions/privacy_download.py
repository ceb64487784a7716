"""The visitor's own export, by mail (the widget's Privacy tab, docs/privacy.md "Visitor
self-service"): once their address is vouched for, they are mailed a signed, expiring download
link; following it (and pressing the page's button) downloads the same archive an admin's export
writes (``export.json`` and their files), audited as ``visitor.export`` requested by the visitor.

Asking, and confirming the address, is :mod:`chinwag.actions.privacy` (``request_mail``,
``confirm_link`` with ``what="export"``); this module signs, mails and honours the link."""

from __future__ import annotations

from typing import IO, Any

from flask import current_app

from chinwag import audit, mailer
from chinwag.actions.base import write_transaction
from chinwag.actions.privacy import (
    SELF_SERVICE_PATH,
    VisitorActor,
    link_visitor,
    read_token,
    render_template_mail,
    sign_token,
    write_archive,
)
from chinwag.extensions import db
from chinwag.models import Site, Visitor
from chinwag.ratelimit import limiter

#: how long a download link is good for (seconds): used as often as needed meanwhile
DOWNLOAD_SECONDS = 24 * 3600
#: downloads (archives written) one visitor gets per hour, whichever link they use
DOWNLOADS_PER_HOUR = 5
#: the key label of download links (never accepted as a confirmation link, nor the reverse)
_LABEL = b"chinwag-export-download"


def sign_download(visitor_id: int, email: str) -> str:
    """The token of a download link for the visitor's archive, mailed to ``email``."""
    return sign_token(_LABEL, visitor_id, email, DOWNLOAD_SECONDS)


def download_visitor(token: str) -> Visitor:
    """The visitor a download link is for (``link_invalid``, ``link_expired`` else; also
    ``link_invalid`` once they are erased: a link never serves a visitor created after it)."""
    return link_visitor(read_token(_LABEL, token, "your data"), DOWNLOAD_SECONDS)


def send_download_link(visitor_id: int, to: str, public_url: str) -> None:
    """The job: mail ``to`` a link to download the visitor's archive (signed now, so it is good
    for :data:`DOWNLOAD_SECONDS` from when it is sent; a visitor erased meanwhile gets
    nothing)."""
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is None:
        return
    site = db.session.get(Site, visitor.site_id)
    name = site.name if site else "the site"
    public = public_url or str(current_app.config.get("CHINWAG_PUBLIC_URL") or "")
    base = f"{public.rstrip('/')}{SELF_SERVICE_PATH}/download"
    text, html = render_template_mail(
        f"Your data from {name}",
        [
            f"You asked for a copy of everything {name} holds about you in its chat: your "
            "conversations, what you told it and the files you shared, as one zip archive.",
            f"Download it within {DOWNLOAD_SECONDS // 3600} hours from this link:",
        ],
        f"{base}?token={sign_download(visitor_id, to)}",
        "Keep this link to yourself: anyone who has it can download your data until it expires.",
    )
    mailer.deliver(to, f"Your data from {name}", text, html)


def write_own_archive(token: str, fp: IO[bytes]) -> int:
    """Write the archive a download link is for into ``fp`` and audit it (``visitor.export``
    by ``visitor:<id>``, ``archive: true``, ``requested_by: visitor``); returns the visitor id.
    At most :data:`DOWNLOADS_PER_HOUR` per visitor (``rate_limited``)."""
    visitor = download_visitor(token)
    limiter("privacy_download", "Too many downloads; try again later.").hit_all(
        [(f"visitor:{visitor.id}", DOWNLOADS_PER_HOUR)], 3600.0
    )
    write_archive(visitor, fp)
    who: Any = VisitorActor(visitor.id)  # audited by ``visitor:<id>``: no user
    with write_transaction():
        audit.record(
            who,
            "visitor.export",
            "visitor",
            visitor.id,
            site_id=visitor.site_id,
            archive=True,
            requested_by="visitor",
        )
    return int(visitor.id)

"""The visitor asks, from the widget's Privacy tab, for their transcript or a copy of all their
data by mail (docs/privacy.md "Visitor self-service"): at once to an address vouched for (the
site's signed identity, or an earlier confirmation link), else after a confirmation link mailed
to the address they typed. What is sent is :func:`chinwag.actions.privacy.send_transcript` or
:func:`chinwag.actions.privacy_download.send_download_link`, on the job queue."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from chinwag import mailer, visitors
from chinwag.actions.base import write_transaction
from chinwag.actions.privacy import (
    EXPORT,
    LINK_SECONDS,
    SELF_SERVICE_MAILS,
    SELF_SERVICE_PATH,
    SELF_SERVICE_WINDOW,
    TRANSCRIPT,
    db_time,
    get_visitor,
    link_visitor,
    mask_email,
    read_link,
    render_template_mail,
    send_transcript,
    sign_link,
)
from chinwag.actions.privacy_download import send_download_link
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site, UsedLink, Visitor
from chinwag.ratelimit import limiter


def _limit(visitor_id: int, email: str) -> None:
    limiter("privacy_mail", "Too many e-mail requests; try again later.").hit_all(
        [
            (f"visitor:{visitor_id}", SELF_SERVICE_MAILS),
            (f"address:{email.lower()}", SELF_SERVICE_MAILS),
        ],
        SELF_SERVICE_WINDOW,
    )


#: what the visitor is mailed, by request: the confirmation mail's purpose and the job sending it
_ASKED = {TRANSCRIPT: "the transcript of their chat", EXPORT: "a copy of all their data"}


def request_mail(
    visitor_id: int, email: str | None, public_url: str, what: str = TRANSCRIPT
) -> dict[str, Any]:
    """The visitor asks for their transcript (``what="transcript"``) or their export
    (``"export"``: a download link for the archive). A visitor whose address is vouched for
    (the site's signed identity, or an earlier link) gets it there at once; anyone else gets a
    confirmation mail at ``email`` whose link (under ``public_url``) sends it. Rate-limited per
    visitor and address."""
    mailer.require()
    visitor = get_visitor(visitor_id)
    if visitor.email and _vouched_for(visitor, email):
        _limit(visitor.id, visitor.email)
        _send(what, visitor.id, visitor.email, public_url)
        return {"status": "sent", "to": mask_email(visitor.email)}
    if not email:
        raise ApiError("email_required", "Give the e-mail address to send it to.", 400)
    _limit(visitor.id, email)
    site = db.session.get(Site, visitor.site_id)
    link = f"{public_url.rstrip('/')}{SELF_SERVICE_PATH}/confirm?token={sign_link(visitor.id, email, what)}"
    text, html = render_template_mail(
        "Confirm your e-mail address",
        [
            f"Someone asked for {_ASKED[what]} on {site.name if site else 'a site'} "
            "to be sent to this address.",
            f"To receive it, open this link within {LINK_SECONDS // 60} minutes:",
        ],
        link,
        "If it was not you, ignore this mail: nothing will be sent.",
    )
    subject = "Confirm your address to receive your chat transcript"
    if what == EXPORT:
        subject = "Confirm your address to receive a copy of your data"
    mailer.queue(email, subject, text, html)
    return {"status": "verification_sent", "to": mask_email(email)}


def _send(what: str, visitor_id: int, to: str, public_url: str) -> None:
    if what == EXPORT:
        mailer.queue_call(send_download_link, visitor_id, to, public_url)
    else:
        mailer.queue_call(send_transcript, visitor_id, to)


def _vouched_for(visitor: Visitor, email: str | None) -> bool:
    """Whether the transcript may go to the visitor's own address at once: the site's identity
    vouches for it (whatever was typed), or a link confirmed it and no other address is asked."""
    if visitor.verified and visitor.email_verified_by == "identity":
        return True
    if visitor.email_verified_by is None or not visitor.email:
        return False
    return not email or email.lower() == visitor.email.lower()


def confirm_link(token: str, public_url: str = "") -> dict[str, Any]:
    """Follow a confirmation link: checks it, uses it up (once across every process: the
    ``used_links`` row, kept until the link expires), records the address as the visitor's,
    vouched for by the link (unless the site's identity vouches for theirs), and sends what the
    link was for (``what``: the transcript, or the export's download link) to it."""
    mailer.require()
    payload = read_link(token)
    visitor = link_visitor(payload, LINK_SECONDS)
    address = str(payload["e"])
    try:
        with write_transaction():
            db.session.add(UsedLink(nonce=str(payload["n"])[:64], expires_at=db_time(payload["x"])))
            db.session.flush()  # the second use of a link fails here, in every process
            # the visitor proved they read this address: it is theirs, vouched for by the link
            if not (visitor.email_verified_by == "identity" and visitor.email):
                visitors.set_email(visitor, address, "link")
    except IntegrityError:
        raise ApiError("link_used", "This link was used already; ask for it again.", 410) from None
    _send(payload["w"], visitor.id, address, public_url)
    return {"status": "sent", "to": mask_email(address), "what": payload["w"]}

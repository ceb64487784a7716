"""Outgoing e-mail: ``CHINWAG_SMTP_URL`` (``smtp://`` or ``smtps://``, with ``user:password@``)
and ``CHINWAG_MAIL_FROM``. Mail is never sent inside a request: :func:`queue` puts it on the job
queue (docs/jobs.md), whose worker calls :func:`deliver`, retried with back-off when the server
is down or refuses for now. No URL means mail is off: :func:`require` then refuses with
``mail_unavailable`` and the features that need mail say so.

- ``smtp://host:port`` (default port 25): STARTTLS whenever the server offers it;
- ``smtps://host:port`` (default 465): TLS from the first byte;
- credentials are sent only over TLS, or to a loopback address (a relay on the same machine);
  anything else is refused rather than sending a password in clear text.

The password is never logged: what is logged or shown names the server as :func:`describe` does
(``smtp://user@host:port``).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app

from chinwag.errors import ApiError

log = logging.getLogger(__name__)

#: the core's own plugin record, whose jobs mail is (``chinwag.plugins.host.CORE``: not imported,
#: the plugin host imports what imports this module)
CORE = "chinwag"
#: seconds one connection to the SMTP server may take (connect, each command)
TIMEOUT = 20


class MailError(RuntimeError):
    """A mail the server did not take (retried by the job queue); says nothing of its content."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # smtps: TLS from the first byte
    username: str | None = None
    password: str | None = None

    def describe(self) -> str:
        who = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.tls else 'smtp'}://{who}{self.host}:{self.port}"


def parse_url(url: str) -> SmtpServer:
    """``smtp://[user:password@]host[:port]`` or ``smtps://...``; ``ValueError`` otherwise (the
    message never repeats the password)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("CHINWAG_SMTP_URL must start with smtp:// or smtps://")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("CHINWAG_SMTP_URL has an invalid port") from None
    if not parts.hostname:
        raise ValueError("CHINWAG_SMTP_URL names no host")
    tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if tls else 25),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def server(config: Any = None) -> SmtpServer | None:
    """The configured server, or None when mail is off."""
    url = (config if config is not None else current_app.config).get("CHINWAG_SMTP_URL")
    return parse_url(str(url)) if url else None


def enabled() -> bool:
    """Mail is configured with a URL this module can use (a malformed one counts as none, and
    is logged without its password)."""
    try:
        return server() is not None
    except ValueError as exc:
        log.warning("mail is off: %s", exc)
        return False


def require() -> None:
    """Refuse a request that needs mail when none is configured."""
    if not enabled():
        raise ApiError("mail_unavailable", "This site cannot send e-mail.", 503)


def sender() -> str:
    cfg = current_app.config
    return str(cfg.get("CHINWAG_MAIL_FROM") or "chinwag@localhost")


def queue(to: str, subject: str, text: str, html: str | None = None) -> str:
    """Send a mail in the background (after the caller committed); returns the job id."""
    return queue_call(deliver, to, subject, text, html)


def queue_after_commit(to: str, subject: str, text: str, html: str | None = None) -> str:
    """:func:`queue` once the current transaction commits (never when it rolls back): a mail a
    plugin sends while writing is not sent for a change that was taken back."""
    from chinwag.state import state

    require()
    return state().jobs.enqueue_after_commit(CORE, deliver, (to, subject, text, html))


def queue_call(fn: Callable[..., None], *args: Any) -> str:
    """Queue a module-level job that sends mail (``fn(*args)``, which ends by calling
    :func:`deliver`), as the core's own job: retried with back-off like every job."""
    from chinwag.state import state

    require()
    return state().jobs.enqueue(CORE, fn, args)


def build(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender()
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender().rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def send(target: SmtpServer, msg: EmailMessage) -> None:
    """Hand one message to the server (raises on any failure: the job is retried)."""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if target.tls:
        smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=TIMEOUT)
    with smtp:
        smtp.ehlo()
        secure = target.tls
        if not secure and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
            secure = True
        if target.username:
            if not secure and not _loopback(target.host):
                raise smtplib.SMTPException(
                    f"{target.describe()} offers no TLS: refusing to send the password in clear"
                )
            smtp.login(target.username, target.password or "")
        smtp.send_message(msg)


def deliver(to: str, subject: str, text: str, html: str | None = None) -> None:
    """The job: build and send one mail with the app's settings."""
    target = server()
    if target is None:  # mail was turned off after the job was queued: nothing to send with
        log.warning("mail to a visitor dropped: CHINWAG_SMTP_URL is no longer set")
        return
    try:
        send(target, build(to, subject, text, html))
    except (OSError, smtplib.SMTPException) as exc:
        # never the URL itself (it holds the password), never the recipient's address (an
        # SMTP refusal names it): the job queue logs and keeps this sentence, then retries
        code = getattr(exc, "smtp_code", None)
        reason = f"{type(exc).__name__}{f' {code}' if code else ''}"
        log.warning("mail through %s failed: %s", target.describe(), reason)
        raise MailError(f"mail through {target.describe()} failed: {reason}") from None
    log.info("mail sent through %s", target.describe())


#: longest subject and body a plugin may send (``ctx.send_mail``)
MAX_SUBJECT = 200
MAX_BODY = 200_000
_ADDRESS = re.compile(r"^[^@\s<>,;\"()\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253})$")


def valid_address(address: str) -> bool:
    """One plain address (``local@domain``), no display name, no list, at most 320 characters."""
    return len(address) <= 320 and _ADDRESS.match(address) is not None


def check(to: str, subject: str, text: str, html: str | None) -> str | None:
    """What is wrong with a mail a plugin asks for, in one sentence, or None."""
    if not valid_address(to):
        return "The recipient is not one valid e-mail address."
    if not subject.strip() or len(subject) > MAX_SUBJECT or any(c in subject for c in "\r\n"):
        return f"The subject must be one line of 1 to {MAX_SUBJECT} characters."
    if len(text) > MAX_BODY or (html is not None and len(html) > MAX_BODY):
        return f"The body is too long (at most {MAX_BODY} characters)."
    return None

"""Limits on failed sign-ins, per client address and per account (password and single sign-on).

Only failures count: an attempt is first checked (nothing counted), and counted once it has
failed, so a person who signs in at the third try uses three of their budget, never more. The
limits are the rate limiter's (:mod:`chinwag.ratelimit`): a sliding window, in Redis when
configured (every process shares it), in which a refused attempt is not counted and the refusal
says when to retry (``429 rate_limited``, ``retry_after_ms``). The account key is a hash of the
lower-cased email, known or not, so the limit says nothing about which accounts exist and Redis
holds no addresses of people. A refused attempt is not audited (a flood would fill the audit
log); the failures before it were.

This sits beside the account lockout of :mod:`chinwag.api.auth` (five wrong passwords lock an
existing password account for 15 minutes): the lockout protects one account in the database,
these limits also cover unknown emails, single sign-on and one address trying many accounts.
"""

from __future__ import annotations

import contextlib
import hashlib

from flask import current_app

from chinwag.errors import ApiError
from chinwag.ratelimit import limiter

MESSAGE = "Too many failed sign-ins; try again later."


def _limits(address: str | None, email: str | None) -> list[tuple[str, int]]:
    cfg = current_app.config
    limits = [(f"signin:ip:{address or 'unknown'}", int(cfg["CHINWAG_RATE_LIMIT_SIGNINS"]))]
    if email:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        limits.append((f"signin:acct:{digest}", int(cfg["CHINWAG_RATE_LIMIT_ACCOUNT_SIGNINS"])))
    return limits


def _window() -> float:
    return float(current_app.config["CHINWAG_RATE_LIMIT_SIGNIN_WINDOW_SECONDS"])


def check(address: str | None, email: str | None = None) -> None:
    """Refuse (``rate_limited``) before an attempt when the address or account is full."""
    limiter("signin", MESSAGE).check_all(_limits(address, email), _window())


def failed(address: str | None, email: str | None = None) -> None:
    """Count one failed attempt on the address and the account (both or neither)."""
    # filled by another attempt meanwhile: not counted, and the next check refuses anyway
    with contextlib.suppress(ApiError):
        limiter("signin", MESSAGE).hit_all(_limits(address, email), _window())

"""Sign-in with OpenID Connect (Authlib): any provider configured by issuer URL, client id and secret.

``GET /api/v1/auth/oidc/login`` sends the browser to the provider (state and nonce kept in the
signed Flask session cookie); ``GET /api/v1/auth/oidc/callback`` exchanges the code, verifies the
ID token against the provider's JWKS and starts the same cookie session as a password sign-in.

Accounts are matched by email, and only safely:

- the provider must assert ``email_verified``;
- a password account whose email was never confirmed is **not** linked (someone could have
  registered an address they do not own; the admin must confirm it first);
- an unknown email is refused unless ``CHINWAG_OIDC_NEW_USER_ROLE`` allows creating users;
- an account is bound to the first provider subject (``iss`` + ``sub``) that signs in to it,
  recorded as a ``user.oidc_link`` audit entry; another subject asserting the same email is
  refused (``oidc_subject_mismatch``): a provider that recycles or lets users change emails
  cannot hand one person's account to another.

Every outcome returns to the admin's sign-in page; errors as ``?error=<code>``.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, redirect, request, session
from requests import RequestException
from sqlalchemy import select

from chinwag import audit
from chinwag.actions import users
from chinwag.api import signin_limits
from chinwag.api.auth import start_cookie_session
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import AuditEntry, User

bp = Blueprint("oauth", __name__, url_prefix="/api/v1/auth/oidc")
log = logging.getLogger(__name__)

SIGNED_IN = "/admin/"
SIGN_IN_PAGE = "/admin/login"


def _client(app: Flask) -> Any:
    cfg = app.config
    if not (cfg.get("CHINWAG_OIDC_ISSUER") and cfg.get("CHINWAG_OIDC_CLIENT_ID")):
        raise ApiError("oidc_not_configured", "OpenID Connect sign-in is not configured.", 404)
    oauth: OAuth | None = app.extensions.get("chinwag_oidc")
    if oauth is None:
        # the provider redirects back cross-site: the state cookie must survive a top-level GET
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
        oauth = OAuth(app)
        issuer = cfg["CHINWAG_OIDC_ISSUER"].rstrip("/")
        oauth.register(
            "oidc",
            client_id=cfg["CHINWAG_OIDC_CLIENT_ID"],
            client_secret=cfg.get("CHINWAG_OIDC_CLIENT_SECRET"),
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile"},
        )
        app.extensions["chinwag_oidc"] = oauth
    return oauth.create_client("oidc")


def _fail(code: str, retry_after_ms: int | None = None) -> Any:
    wait = f"&retry_after_ms={retry_after_ms}" if retry_after_ms else ""
    return redirect(f"{SIGN_IN_PAGE}?error={quote(code)}{wait}")


def _refused(err: ApiError) -> Any:
    """The sign-in page, saying that this address or account must wait (``rate_limited``)."""
    return _fail(err.code, int(err.extra.get("retry_after_ms") or 0) or None)


def _callback_url() -> str:
    base = (current_app.config.get("CHINWAG_PUBLIC_URL") or "").rstrip("/")
    return f"{base}/api/v1/auth/oidc/callback"


@bp.get("/login")
def login() -> Any:
    """Redirect to the provider's authorization endpoint (not while this address must wait)."""
    try:
        signin_limits.check(request.remote_addr)
    except ApiError as err:
        return _refused(err)
    try:
        client = _client(current_app._get_current_object())  # type: ignore[attr-defined]
        return client.authorize_redirect(_callback_url())
    except (AuthlibBaseError, RequestException, KeyError, ValueError) as exc:
        log.warning("OpenID Connect provider unavailable: %r", exc)
        return _fail("oidc_unavailable")


def match_user(claims: dict[str, Any]) -> User:
    """The account an OpenID Connect identity may sign in to, or ApiError (never a silent link)."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is not True:
        raise ApiError("oidc_email_unverified", "The provider did not confirm your email.", 403)
    user = users.find_user(email)
    if user is None:
        role = current_app.config.get("CHINWAG_OIDC_NEW_USER_ROLE") or ""
        if role not in users.ROLES:
            raise ApiError("oidc_no_account", "No Chinwag account uses this email.", 403)
        if not claims.get("sub"):
            raise ApiError("oidc_failed", "The provider did not name the account (no sub).", 403)
        user = users.create_user(
            email,
            name=str(claims.get("name") or ""),
            role=role,
            email_confirmed=True,
            via="oidc",
        )
        _bind_subject(user, claims)
        db.session.commit()
        return user
    if user.disabled:
        raise ApiError("account_disabled", "This account is disabled.", 403)
    if user.password_hash and not user.email_confirmed:
        raise ApiError(
            "oidc_link_refused",
            "A password account with this email exists but its email is not confirmed.",
            409,
        )
    _bind_subject(user, claims)
    db.session.commit()
    return users.confirm_email(user)  # an invited account, first proven by the provider


def _bind_subject(user: User, claims: dict[str, Any]) -> None:
    """Bind ``user`` to this provider subject on its first OIDC sign-in (an audit entry, in
    the sign-in's transaction); refuse a different subject later (ApiError)."""
    issuer = str(current_app.config.get("CHINWAG_OIDC_ISSUER") or "").rstrip("/")
    subject = str(claims.get("sub") or "")
    if not subject:
        raise ApiError("oidc_failed", "The provider did not name the account (no sub).", 403)
    links = db.session.execute(
        select(AuditEntry.details).where(
            AuditEntry.action == "user.oidc_link",
            AuditEntry.target_type == "user",
            AuditEntry.target_id == str(user.id),
        )
    ).scalars()
    bound = [d for d in links if isinstance(d, dict) and d.get("issuer") == issuer]
    if not bound:
        audit.record(None, "user.oidc_link", "user", user.id, issuer=issuer, subject=subject)
        return
    if all(d.get("subject") != subject for d in bound):
        raise ApiError(
            "oidc_subject_mismatch",
            "This account is linked to another identity at this provider.",
            409,
        )


@bp.get("/callback")
def callback() -> Any:
    """Finish the provider's redirect: verify, match the account, start the cookie session.

    Failed callbacks count on the address (and the account, once the provider named one) like
    failed passwords (:mod:`chinwag.api.signin_limits`)."""
    address = request.remote_addr
    try:
        signin_limits.check(address)
    except ApiError as err:
        session.clear()
        return _refused(err)
    try:
        client = _client(current_app._get_current_object())  # type: ignore[attr-defined]
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if "email_verified" not in claims or "email" not in claims:
            claims.update(dict(client.userinfo(token=token)))
    except ApiError as err:
        if err.code != "oidc_not_configured":
            signin_limits.failed(address)
            audit.sign_in(None, "", "oidc", address, err.code)
        return _fail(err.code)
    except (AuthlibBaseError, RequestException, KeyError, ValueError, TypeError) as exc:
        log.warning("OpenID Connect sign-in failed: %r", exc)
        signin_limits.failed(address)
        audit.sign_in(None, "", "oidc", address, "oidc_failed")
        return _fail("oidc_failed")
    finally:
        session.clear()
    email = str(claims.get("email") or "")
    try:
        signin_limits.check(address, email or None)
        user = match_user(claims)
    except ApiError as err:
        db.session.rollback()
        if err.code == "rate_limited":
            return _refused(err)
        log.info("OpenID Connect sign-in refused: %s", err.code)
        signin_limits.failed(address, email or None)
        audit.sign_in(None, email, "oidc", address, err.code)
        return _fail(err.code)
    audit.sign_in(user, user.email, "oidc", request.remote_addr)
    start_cookie_session(user)
    return redirect(SIGNED_IN)

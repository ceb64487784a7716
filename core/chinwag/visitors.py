"""Visitor sessions: origin checks, visitor tokens and identity verification.

A visitor token is 256 random bits, stored only as a hash, short-lived and renewed by a new
session call. A site owner's backend may vouch for a logged-in visitor with an HS256 JWT signed
with the site's identity secret; only then is the visitor ``verified`` and their history shared
across devices. Typing an email never merges anyone's sessions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
from flask import current_app, request
from sqlalchemy import delete, select

from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site, Visitor, VisitorToken
from chinwag.security import ALGORITHM, new_visitor_token, token_digest

MAX_IDENTITY_LIFETIME = timedelta(hours=1, minutes=5)  # 1 h plus clock skew


def own_origin() -> str:
    """Chinwag's own origin (the iframe and full-page chat are served from it)."""
    public = current_app.config.get("CHINWAG_PUBLIC_URL")
    if public:
        parts = urlsplit(public)
        return f"{parts.scheme}://{parts.netloc}"
    return request.host_url.rstrip("/")


def origin_allowed(site: Site, origin: str | None, own: str) -> bool:
    """Browsers always send Origin on cross-site and WebSocket requests; none means a non-browser
    client, which origin checks cannot constrain anyway (tokens still apply)."""
    if origin is None:
        return True
    origin = origin.rstrip("/")
    return origin == own or origin in (site.allowed_origins or [])


def site_by_key(site_key: str) -> Site:
    site = db.session.execute(select(Site).where(Site.site_key == site_key)).scalar_one_or_none()
    if site is None:
        raise ApiError("site_not_found", "Unknown site key.", 404)
    return site


@dataclass(frozen=True)
class Identity:
    sub: str
    email: str | None
    name: str | None
    attributes: dict[str, Any]


RESERVED = {"sub", "email", "name", "exp", "iat", "nbf", "kid", "iss", "aud", "jti"}


def key_id(secret: str) -> str:
    """The ``kid`` of an identity secret: the first 16 hex digits of its SHA-256. A signer puts it
    in the JWT header so that, during a rotation, Chinwag knows which of the two secrets to use."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def verify_identity(site: Site, token: str) -> Identity:
    """Check a site-signed identity JWT: HS256 only, current or previous secret, exp <= 1 h."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise ApiError("identity_invalid", "The identity token is malformed.", 401) from None
    if header.get("alg") != ALGORITHM:
        raise ApiError("identity_invalid", "The identity token must be signed with HS256.", 401)
    secrets = [site.identity_secret]
    if site.identity_secret_previous:
        secrets.append(site.identity_secret_previous)
    kid = header.get("kid")
    if kid is not None:
        kid = str(kid)
        secrets = [s for s in secrets if hmac.compare_digest(key_id(s), kid)]
        if not secrets:
            raise ApiError("identity_invalid", "The identity token's kid is unknown.", 401)
    claims = None
    for secret in secrets:
        try:
            claims = jwt.decode(
                token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
            )
            break
        except jwt.ExpiredSignatureError:
            raise ApiError("identity_expired", "The identity token has expired.", 401) from None
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError:
            raise ApiError("identity_invalid", "The identity token is not valid.", 401) from None
    if claims is None:
        raise ApiError("identity_invalid", "The identity token's signature is wrong.", 401)
    exp = datetime.fromtimestamp(claims["exp"], UTC)
    if exp - datetime.now(UTC) > MAX_IDENTITY_LIFETIME:
        raise ApiError("identity_invalid", "Identity tokens may live one hour at most.", 401)
    attrs = {k: v for k, v in claims.items() if k not in RESERVED}
    return Identity(str(claims["sub"]), claims.get("email"), claims.get("name"), attrs)


def visitor_from_token(token: str | None, site_id: int | None = None) -> Visitor | None:
    if not token:
        return None
    row = db.session.get(VisitorToken, token_digest(token))
    if row is None or _aware(row.expires_at) <= datetime.now(UTC):
        return None
    visitor = db.session.get(Visitor, row.visitor_id)
    if visitor is None or (site_id is not None and visitor.site_id != site_id):
        return None
    return visitor


def set_email(visitor: Visitor, email: str, verified_by: str | None = None) -> None:
    """Give the visitor ``email``; ``verified_by`` names who vouches for it (``identity``: the
    site's signed identity, ``link``: a confirmation link the visitor opened). An address that
    changes without a voucher loses its badge; the same address keeps the one it had."""
    same = (visitor.email or "").lower() == email.lower()
    visitor.email = email
    if verified_by is not None:
        if not same or visitor.email_verified_by != verified_by:
            visitor.email_verified_at = datetime.now(UTC)
        visitor.email_verified_by = verified_by
    elif not same:
        visitor.email_verified_by = None
        visitor.email_verified_at = None


def issue_token(visitor: Visitor) -> tuple[str, datetime]:
    hours = current_app.config["CHINWAG_VISITOR_TOKEN_HOURS"]
    token = new_visitor_token()
    expires = datetime.now(UTC) + timedelta(hours=hours)
    db.session.add(
        VisitorToken(token_hash=token_digest(token), visitor_id=visitor.id, expires_at=expires)
    )
    db.session.execute(delete(VisitorToken).where(VisitorToken.expires_at < datetime.now(UTC)))
    return token, expires


def start_session(site: Site, body: dict[str, Any]) -> tuple[Visitor, str, datetime]:
    """Find or create the visitor for a widget session and issue a fresh token."""
    identity = verify_identity(site, body["identity"]) if body.get("identity") else None
    if site.identity_required and identity is None:
        raise ApiError("identity_required", "This site only admits verified visitors.", 401)
    visitor = visitor_from_token(body.get("visitor_token"), site.id)
    if identity is not None:
        if visitor is None or not visitor.verified or visitor.external_id != identity.sub:
            visitor = db.session.execute(
                select(Visitor).where(
                    Visitor.site_id == site.id,
                    Visitor.external_id == identity.sub,
                    Visitor.verified.is_(True),
                )
            ).scalar_one_or_none()
        if visitor is None:
            visitor = Visitor(site_id=site.id, external_id=identity.sub, verified=True)
            db.session.add(visitor)
        if identity.email:
            set_email(visitor, identity.email, "identity")
        visitor.name = identity.name or visitor.name
        visitor.attributes = {**(visitor.attributes or {}), **identity.attributes}
    elif visitor is None or visitor.verified:
        # a verified visitor whose identity is gone (logged out) becomes a new anonymous visitor
        visitor = Visitor(site_id=site.id, verified=False)
        db.session.add(visitor)
    if not visitor.verified:
        visitor.name = body.get("name") or visitor.name
        if body.get("email"):
            set_email(visitor, body["email"])
    for key in ("page_url", "referrer", "locale"):
        if body.get(key):
            setattr(visitor, key, body[key])
    if body.get("consent_version"):
        visitor.consent_version = body["consent_version"]
        visitor.consent_at = datetime.now(UTC)
    visitor.last_seen_at = datetime.now(UTC)
    db.session.flush()
    token, expires = issue_token(visitor)
    db.session.commit()
    return visitor, token, expires


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)

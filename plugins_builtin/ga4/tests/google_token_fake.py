"""A local stand-in for Google's OAuth 2.0 token endpoint as it serves service accounts (the
JWT bearer grant, RFC 7523; Google's "Using OAuth 2.0 for Server to Server Applications"), for
the GA4 plugin's tests (a ``chinwag.testing.FakeService``).

``POST /token`` with a form body ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and
``assertion=<JWT>`` answers 200 ``{"access_token", "expires_in", "token_type": "Bearer"}`` when
the JWT is RS256-signed by the private key of a known account (``accounts``: client e-mail ->
public key) and claims, as Google requires: ``iss`` that account, ``aud`` this endpoint's URL,
a ``scope``, ``iat`` not in the future and ``exp`` at most an hour after it, not past. Refusals
are Google's: 400 ``unsupported_grant_type``, ``invalid_scope``, ``invalid_grant`` (bad or
expired JWT) with an ``error_description``; 401 ``invalid_client`` for an unknown account.
Issued tokens are in ``live`` until ``expire()``; ``clock`` is the fake's wall clock (a test moves
it with the plugin's token cache); ``fail_next`` answers that many requests 503 first.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from chinwag.testing import CapturedRequest, FakeService

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SKEW = 300  # seconds of clock difference Google tolerates, roughly


def _refuse(code: int, error: str, description: str) -> tuple[int, Any]:
    return code, {"error": error, "error_description": description}


@dataclass
class FakeGoogleTokens(FakeService):
    accounts: dict[str, RSAPublicKey] = field(default_factory=dict)
    #: a service account's JSON key file the fake knows (set by the fixture that made the key)
    key_file: str = ""
    expires_in: int = 3599
    fail_next: int = 0
    clock: Callable[[], float] = time.time
    #: tokens issued and not expired (share it with ``FakeGA4Admin.tokens``)
    live: set[str] = field(default_factory=set)
    #: the claims of every token issued, in order
    grants: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    serial: Any = field(default_factory=itertools.count)

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def expire(self) -> None:
        """Every token issued so far stops working (expired, or revoked)."""
        self.live.clear()

    def answer(self, request: CapturedRequest) -> tuple[int, Any]:
        with self.lock:
            code, body = self._answer(request)
            if code not in (200, 503):
                self.errors.append(f"{code} {body['error']}: {body['error_description']}")
            return code, body

    def _answer(self, request: CapturedRequest) -> tuple[int, Any]:
        if request.method != "POST" or request.route != "/token":
            return _refuse(404, "not_found", f"{request.method} {request.route}")
        if self.fail_next > 0:
            self.fail_next -= 1
            return _refuse(503, "temporarily_unavailable", "Try again later.")
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _refuse(400, "invalid_request", "Expected a form-encoded body.")
        form = parse_qs(request.body.decode(errors="replace"))
        if form.get("grant_type") != [GRANT]:
            return _refuse(400, "unsupported_grant_type", "Invalid grant_type.")
        (assertion,) = form.get("assertion") or [""]
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return _refuse(400, "invalid_grant", "Invalid JWT.")
        if header.get("alg") != "RS256":
            return _refuse(400, "invalid_grant", "Invalid JWT: alg must be RS256.")
        key = self.accounts.get(str(unverified.get("iss")))
        if key is None:
            return _refuse(401, "invalid_client", "The OAuth client was not found.")
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                audience=self.token_uri,
                options={"verify_exp": False, "verify_iat": False, "require": ["iat", "exp"]},
            )
        except jwt.InvalidAudienceError:
            return _refuse(400, "invalid_grant", "Invalid JWT: aud is not the token URI.")
        except jwt.PyJWTError:
            return _refuse(400, "invalid_grant", "Invalid JWT Signature.")
        now = self.clock()
        iat, exp = claims["iat"], claims["exp"]
        if iat > now + SKEW or exp < now - SKEW or exp - iat > 3600:
            return _refuse(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe.",
            )
        if not str(claims.get("scope") or "").strip():
            return _refuse(400, "invalid_scope", "Empty or missing scope not allowed.")
        token = f"ya29.fake-{next(self.serial)}"
        self.live.add(token)
        self.grants.append(claims)
        return 200, {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}

"""Access tokens for GA4's User Deletion API from a Google service account's key: the OAuth 2.0
JWT bearer grant (RFC 7523) as Google documents it for server-to-server applications.

A pasted access token expires within the hour; a service account's key does not. The plugin
signs a JWT (RS256, ``kid`` the key's id) claiming the account (``iss``), the ``analytics.edit``
scope and the token URI (``aud``) for at most an hour, posts it to that URI
(``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``, ``assertion=<jwt>``) and gets
``{"access_token", "expires_in", "token_type": "Bearer"}``. The token is kept per process until
a minute before it expires, then fetched again; one the API refuses (401) is dropped at once.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

SCOPE = "https://www.googleapis.com/auth/analytics.edit"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)
#: the longest assertion Google accepts (and the lifetime asked for)
LIFETIME = 3600
#: a token is fetched again this long before it expires (clock skew, the request's own time)
MARGIN = 60
TIMEOUT = 10


class TokenError(RuntimeError):
    """No access token: the key is unusable or the token endpoint refused or failed. The
    message never holds the key or a token."""


@dataclass(frozen=True)
class ServiceAccount:
    """What the flow needs of a service account's JSON key (the file Google's console makes)."""

    client_email: str
    private_key: str = field(repr=False)
    private_key_id: str
    token_uri: str

    @classmethod
    def parse(cls, text: str) -> ServiceAccount:
        """The key file's content; ``ValueError`` says what is wrong (never the key itself)."""
        try:
            data = json.loads(text)
        except ValueError:
            raise ValueError("Not JSON: paste the whole service account key file.") from None
        if not isinstance(data, dict) or data.get("type") != "service_account":
            raise ValueError('Not a service account key ("type": "service_account").')
        email, key = data.get("client_email"), data.get("private_key")
        if not isinstance(email, str) or "@" not in email:
            raise ValueError("The key has no client_email.")
        if not isinstance(key, str):
            raise ValueError("The key has no private_key.")
        try:
            loaded = load_pem_private_key(key.encode(), password=None)
        except (ValueError, TypeError):
            raise ValueError("The key's private_key is not a PEM private key.") from None
        if not isinstance(loaded, RSAPrivateKey):
            raise ValueError("The key's private_key is not an RSA key.")
        uri = data.get("token_uri") or TOKEN_URI
        parts = urlsplit(uri) if isinstance(uri, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("The key's token_uri is not an http(s) URL.")
        return cls(email, key, str(data.get("private_key_id") or ""), str(uri))

    @property
    def fingerprint(self) -> str:
        """Names this key in the token cache (a changed key never reuses the old one's token)."""
        raw = "\0".join((self.client_email, self.private_key_id, self.token_uri, self.private_key))
        return hashlib.sha256(raw.encode()).hexdigest()

    def assertion(self, now: float) -> str:
        """The signed JWT of the grant, valid from ``now`` for :data:`LIFETIME` seconds."""
        issued = int(now)
        claims = {
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": issued,
            "exp": issued + LIFETIME,
        }
        headers = {"kid": self.private_key_id} if self.private_key_id else None
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)


def fetch(account: ServiceAccount, now: float) -> tuple[str, float]:
    """One token request: (access token, seconds it is valid)."""
    try:
        res = requests.post(
            account.token_uri,
            data={"grant_type": GRANT, "assertion": account.assertion(now)},
            timeout=TIMEOUT,
        )
    except requests.RequestException as err:
        raise TokenError(f"Google's token endpoint unreachable: {type(err).__name__}") from None
    try:
        body: Any = res.json()
    except ValueError:
        body = None
    if res.status_code != 200 or not isinstance(body, dict):
        why = ""
        if isinstance(body, dict):
            why = f": {body.get('error')} {str(body.get('error_description') or '')[:200]}"
        raise TokenError(f"Google's token endpoint answered {res.status_code}{why}")
    token, lifetime = body.get("access_token"), body.get("expires_in", LIFETIME)
    if not isinstance(token, str) or not token or str(body.get("token_type")).lower() != "bearer":
        raise TokenError("Google's token endpoint gave no bearer access token.")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float):
        lifetime = 0
    return token, float(lifetime)


@dataclass
class TokenCache:
    """Access tokens per key, in this process, until :data:`MARGIN` seconds before they expire.
    ``clock`` is wall-clock seconds (a test replaces it to step past an expiry)."""

    clock: Callable[[], float] = time.time
    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    def token(self, account: ServiceAccount) -> str:
        """A valid access token: the cached one, or a new one from the token endpoint."""
        key = account.fingerprint
        with self.lock:
            now = self.clock()
            cached = self.tokens.get(key)
            if cached is not None and now < cached[1]:
                return cached[0]
            token, lifetime = fetch(account, now)
            self.tokens[key] = (token, now + lifetime - MARGIN)
            return token

    def forget(self, account: ServiceAccount) -> None:
        """Drop the key's token (the API refused it: revoked, or the clock was wrong)."""
        with self.lock:
            self.tokens.pop(account.fingerprint, None)


#: this process's tokens: each process (web, job worker) fetches its own, once an hour at most
TOKENS = TokenCache()

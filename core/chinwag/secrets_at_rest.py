"""Secrets at rest: what Chinwag stores that would let a reader of the database act as someone
(sites' identity secrets, plugins' secret settings) is kept encrypted with Fernet (AES-128-CBC
and HMAC-SHA256, ``cryptography``), the keys coming from the environment, never the database.

``CHINWAG_DATA_KEYS`` holds Fernet keys, comma-separated, newest first: the first encrypts, all
decrypt (a :class:`~cryptography.fernet.MultiFernet`), so a new key can be put in front, the data
re-encrypted with ``chinwag secrets rotate``, then the old key removed. Unset, one key is derived
from ``CHINWAG_SECRET_KEY`` (HMAC-SHA256): secrets are still not readable from a database dump
alone, but changing the secret key then needs the old one kept in ``CHINWAG_DATA_KEYS``.

A stored value is ``PREFIX`` + the Fernet token; a value without the prefix is a plaintext from
before encryption (read as is, encrypted by the next write or ``chinwag secrets rotate``). The
OpenID Connect client secret is not stored at all: it is read from ``CHINWAG_OIDC_CLIENT_SECRET``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

#: what marks an encrypted value (format version 1: a Fernet token)
PREFIX = "enc:v1:"


class SecretsError(RuntimeError):
    """A stored secret cannot be decrypted with the configured keys (or a key is malformed)."""


def derived_key(secret_key: str) -> str:
    """The Fernet key used when ``CHINWAG_DATA_KEYS`` is unset."""
    raw = hmac.new(secret_key.encode(), b"chinwag data key v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).decode()


def generate_key() -> str:
    return Fernet.generate_key().decode()


def configured_keys(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The data keys of a configuration, newest first."""
    listed = tuple(k.strip() for k in str(config.get("CHINWAG_DATA_KEYS") or "").split(","))
    keys = tuple(k for k in listed if k)
    return keys or (derived_key(str(config["SECRET_KEY"])),)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as err:
        raise SecretsError(
            "CHINWAG_DATA_KEYS must be Fernet keys (32 url-safe base64-encoded bytes), "
            "comma-separated; `chinwag secrets generate-key` makes one"
        ) from err


def _current() -> MultiFernet:
    return _fernet(configured_keys(current_app.config))


def check_keys(config: Mapping[str, Any]) -> None:
    """Raise :class:`SecretsError` at start-up when a configured key is malformed."""
    _fernet(configured_keys(config))


def is_encrypted(stored: object) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX)


def encrypt(plain: str) -> str:
    return PREFIX + _current().encrypt(plain.encode()).decode()


@lru_cache(maxsize=4096)
def _decrypt(keys: tuple[str, ...], token: str) -> str:
    try:
        return _fernet(keys).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretsError(
            "a stored secret cannot be decrypted with CHINWAG_DATA_KEYS: a key it was encrypted "
            "with was removed before `chinwag secrets rotate` ran (put it back, at the end)"
        ) from None


def decrypt(stored: str) -> str:
    """The plaintext of a stored value (a plaintext from before encryption is returned as is)."""
    if not is_encrypted(stored):
        return stored
    return _decrypt(configured_keys(current_app.config), stored[len(PREFIX) :])


def rotate(stored: str) -> str:
    """``stored`` encrypted with the newest key (a plaintext is encrypted)."""
    if not is_encrypted(stored):
        return encrypt(stored)
    try:
        token = _current().rotate(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretsError("a stored secret cannot be decrypted with CHINWAG_DATA_KEYS") from None
    return PREFIX + token


class EncryptedText(TypeDecorator[str]):
    """A text column holding a secret: encrypted when written, decrypted when read."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None or is_encrypted(value):
            return value
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)


def seal(values: Mapping[str, Any], names: Any) -> dict[str, Any]:
    """``values`` with the non-empty strings under ``names`` encrypted (plugin settings)."""
    return {
        k: encrypt(v) if k in names and isinstance(v, str) and v and not is_encrypted(v) else v
        for k, v in values.items()
    }


def reveal(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every encrypted string decrypted."""
    return {k: decrypt(v) if is_encrypted(v) else v for k, v in values.items()}

"""Fixtures of the GA4 plugin's tests: a local Measurement Protocol (``ga4_fake``), a local User
Deletion API (``ga4_admin_fake``), a local Google token endpoint with one service account
(``google_token_fake``) and an app whose chinwag-ga4 is enabled and pointed at them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from ga4_admin_fake import FakeGA4Admin
from ga4_fake import FakeGA4
from google_token_fake import FakeGoogleTokens

from chinwag.testing import configure_plugin, enable_plugin

PLUGIN = "chinwag-ga4"


@pytest.fixture
def fake_ga4() -> Iterator[FakeGA4]:
    """-> ``FakeGA4``: a validating Measurement Protocol on 127.0.0.1 (a free port)."""
    fake = FakeGA4().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_ga4_admin() -> Iterator[FakeGA4Admin]:
    """-> ``FakeGA4Admin``: a validating User Deletion API on 127.0.0.1 (a free port)."""
    fake = FakeGA4Admin().start()
    yield fake
    fake.stop()


@pytest.fixture
def ga4_app(chinwag_app: Any, fake_ga4: FakeGA4) -> Any:
    """``chinwag_app`` with chinwag-ga4 enabled, configured for ``fake_ga4`` (no deletions)."""
    configure_plugin(
        chinwag_app,
        PLUGIN,
        measurement_id=fake_ga4.measurement_id,
        api_secret=fake_ga4.api_secret,
        api_host=fake_ga4.url,
    )
    enable_plugin(chinwag_app, PLUGIN)
    return chinwag_app


@pytest.fixture
def ga4_erasing_app(ga4_app: Any, fake_ga4_admin: FakeGA4Admin) -> Any:
    """``ga4_app`` whose erasures go to ``fake_ga4_admin``'s User Deletion API."""
    configure_plugin(
        ga4_app,
        PLUGIN,
        property_id=fake_ga4_admin.property_id,
        deletion_token=fake_ga4_admin.token,
        admin_api_url=fake_ga4_admin.url,
    )
    return ga4_app


@pytest.fixture
def google_tokens(fake_ga4_admin: FakeGA4Admin) -> Iterator[FakeGoogleTokens]:
    """-> ``FakeGoogleTokens``: Google's token endpoint on 127.0.0.1 knowing one service account
    (``key_file``: its JSON key, as Google's console makes it), whose tokens ``fake_ga4_admin``
    accepts; the plugin's per-process token cache starts empty and on the real clock."""
    from chinwag_ga4.service_account import TOKENS
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    email = "chinwag-erasure@example-project.iam.gserviceaccount.com"
    fake = FakeGoogleTokens(accounts={email: private.public_key()}).start()
    fake_ga4_admin.tokens = fake.live
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    fake.key_file = json.dumps(
        {
            "type": "service_account",
            "project_id": "example-project",
            "private_key_id": "0123456789abcdef",
            "private_key": pem,
            "client_email": email,
            "client_id": "1234567890",
            "token_uri": fake.token_uri,
        }
    )
    TOKENS.tokens.clear()
    yield fake
    TOKENS.tokens.clear()
    TOKENS.clock = time.time
    fake.stop()

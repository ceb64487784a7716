"""chinwag-ga4's erasures with a service account's key instead of a pasted token, against a local
Google token endpoint (``google_token_fake``: it checks the JWT bearer grant as Google does) and
the local User Deletion API: the plugin signs an assertion, exchanges it for an access token,
reuses the token until shortly before it expires, fetches a new one after, drops one the API
refuses, and the key is stored encrypted, validated and never shown back."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from chinwag_ga4.service_account import GRANT, LIFETIME, MARGIN, SCOPE, TOKENS
from ga4_admin_fake import FakeGA4Admin
from google_token_fake import FakeGoogleTokens
from marshmallow import ValidationError
from sqlalchemy import text

from chinwag.testing import VisitorClient, app_session, configure_plugin, run_jobs

PLUGIN = "chinwag-ga4"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _erase(client: Any, token: str, visitor: VisitorClient) -> None:
    res = client.delete(f"/api/v1/visitors/{visitor.visitor_id}", headers=_auth(token))
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["failed_plugins"] == []


def _jobs(client: Any, token: str) -> dict[str, Any]:
    res = client.get(f"/api/v1/plugins/{PLUGIN}", headers=_auth(token))
    return dict(res.get_json()["health"]["jobs"])


@pytest.fixture
def keyed_app(ga4_app: Any, fake_ga4_admin: FakeGA4Admin, google_tokens: FakeGoogleTokens) -> Any:
    """``ga4_app`` whose erasures authenticate with ``google_tokens``' service account (and no
    pasted token: the admin fake's own ``token`` is never sent)."""
    configure_plugin(
        ga4_app,
        PLUGIN,
        property_id=fake_ga4_admin.property_id,
        service_account_key=google_tokens.key_file,
        admin_api_url=fake_ga4_admin.url,
    )
    return ga4_app


def test_the_plugin_gets_a_token_with_a_signed_grant_and_reuses_it(
    keyed_app: Any,
    fake_ga4_admin: FakeGA4Admin,
    google_tokens: FakeGoogleTokens,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    first, second = visitor_client(), visitor_client()
    _erase(chinwag_client, admin_token, first)
    run_jobs(keyed_app)
    _erase(chinwag_client, admin_token, second)
    run_jobs(keyed_app)

    assert google_tokens.errors == [] and fake_ga4_admin.errors == []
    assert len(fake_ga4_admin.deletions) == 2
    (grant,) = google_tokens.grants  # one token for both deletions
    assert grant["iss"] == json.loads(google_tokens.key_file)["client_email"]
    assert grant["aud"] == google_tokens.token_uri and grant["scope"] == SCOPE
    assert grant["exp"] - grant["iat"] == LIFETIME
    assert google_tokens.http is not None
    (request,) = google_tokens.http.requests
    assert f"grant_type={GRANT.replace(':', '%3A')}" in request.body.decode()
    sent = {r.headers.get("Authorization") for r in fake_ga4_admin.http.requests}
    assert sent == {"Bearer ya29.fake-0"}


def test_a_token_is_fetched_again_shortly_before_it_expires(
    keyed_app: Any,
    fake_ga4_admin: FakeGA4Admin,
    google_tokens: FakeGoogleTokens,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    now = [time.time()]
    TOKENS.clock = google_tokens.clock = lambda: now[0]
    _erase(chinwag_client, admin_token, visitor_client())
    run_jobs(keyed_app)
    assert len(google_tokens.grants) == 1

    now[0] += google_tokens.expires_in - MARGIN - 5  # still valid: reused
    _erase(chinwag_client, admin_token, visitor_client())
    run_jobs(keyed_app)
    assert len(google_tokens.grants) == 1

    now[0] += 10  # within the last minute of its life: a new grant, signed at the new time
    google_tokens.expire()
    _erase(chinwag_client, admin_token, visitor_client())
    run_jobs(keyed_app)
    assert len(google_tokens.grants) == 2
    assert google_tokens.grants[1]["iat"] == int(now[0])
    assert len(fake_ga4_admin.deletions) == 3 and fake_ga4_admin.errors == []
    auth = [r.headers.get("Authorization") for r in fake_ga4_admin.http.requests]
    assert auth == ["Bearer ya29.fake-0", "Bearer ya29.fake-0", "Bearer ya29.fake-1"]


def test_a_refused_token_is_replaced_once_and_a_refused_grant_fails_the_job(
    keyed_app: Any,
    fake_ga4_admin: FakeGA4Admin,
    google_tokens: FakeGoogleTokens,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    _erase(chinwag_client, admin_token, visitor_client())
    run_jobs(keyed_app)
    google_tokens.expire()  # revoked before its time: the API answers 401 to the cached token
    _erase(chinwag_client, admin_token, visitor_client())
    run_jobs(keyed_app)
    assert len(fake_ga4_admin.deletions) == 2 and len(google_tokens.grants) == 2
    assert [e[:3] for e in fake_ga4_admin.errors] == ["401"]
    assert _jobs(chinwag_client, admin_token)["failed"] == 0

    # the account removed at Google: the grant is refused, the job fails, no secret in its error
    google_tokens.accounts.clear()
    google_tokens.expire()
    TOKENS.tokens.clear()
    _erase(chinwag_client, admin_token, visitor_client())
    run_jobs(keyed_app)
    assert len(fake_ga4_admin.deletions) == 2
    jobs = _jobs(chinwag_client, admin_token)
    assert jobs["failed"] == 1 and "invalid_client" in jobs["last_error"]
    assert "PRIVATE KEY" not in jobs["last_error"] and "ya29" not in jobs["last_error"]


def test_the_key_is_validated_stored_encrypted_and_never_shown_back(
    keyed_app: Any, google_tokens: FakeGoogleTokens, chinwag_client: Any, admin_token: str
) -> None:
    body = repr(
        chinwag_client.get(f"/api/v1/plugins/{PLUGIN}", headers=_auth(admin_token)).get_json()
    )
    assert "PRIVATE KEY" not in body and "iam.gserviceaccount.com" not in body
    with app_session(keyed_app) as session:
        stored = session.execute(
            text("SELECT settings FROM plugin_states WHERE name = :name"), {"name": PLUGIN}
        ).scalar_one()
    assert "PRIVATE KEY" not in repr(stored) and "iam.gserviceaccount.com" not in repr(stored)

    key = json.loads(google_tokens.key_file)
    bad = [
        "not json",
        json.dumps({**key, "type": "authorized_user"}),
        json.dumps({**key, "private_key": "-----BEGIN PRIVATE KEY-----\nnope"}),
        json.dumps({k: v for k, v in key.items() if k != "client_email"}),
        json.dumps({**key, "token_uri": "file:///etc/passwd"}),
    ]
    for value in bad:
        res = chinwag_client.patch(
            f"/api/v1/plugins/{PLUGIN}",
            json={"settings": {"service_account_key": value}},
            headers=_auth(admin_token),
        )
        assert res.status_code == 400, (value[:30], res.get_json())
        assert res.get_json()["error"]["code"] == "validation_error"
        assert "PRIVATE KEY" not in repr(res.get_json())
    with pytest.raises(ValidationError):
        configure_plugin(keyed_app, PLUGIN, service_account_key="{}")

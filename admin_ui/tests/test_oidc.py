"""OpenID Connect sign-in against a real provider started by the test on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oidc_provider import CLIENT_ID, CLIENT_SECRET, RunningProvider


@pytest.fixture
def provider() -> Iterator[Any]:
    running = RunningProvider()
    yield running.provider
    running.stop()


@pytest.fixture
def server(live_server: Any, provider: Any) -> Any:
    return live_server(
        CHINWAG_OIDC_ISSUER=provider.url,
        CHINWAG_OIDC_CLIENT_ID=CLIENT_ID,
        CHINWAG_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        CHINWAG_OIDC_LABEL="Test IdP",
    )


def sign_in(server: Any) -> tuple[requests.Session, str]:
    s = requests.Session()
    res = s.get(f"{server.url}/api/v1/auth/oidc/login", timeout=20)
    return s, res.url


def test_oidc_sign_in_outcomes(server: Any, provider: Any) -> None:
    # a confirmed account (the live server's admin): signed in, session cookie works
    provider.identity = {"sub": "u1", "email": "Admin@Example.com", "email_verified": True}
    s, landed = sign_in(server)
    assert urlsplit(landed).path == "/admin/"
    csrf = s.cookies.get("chinwag_csrf")
    res = s.post(
        f"{server.url}/api/v1/auth/refresh", json={}, headers={"X-CSRF-Token": csrf}, timeout=10
    )
    assert res.status_code == 200, res.text
    me = requests.get(
        f"{server.url}/api/v1/auth/me",
        timeout=10,
        headers={"Authorization": f"Bearer {res.json()['access_token']}"},
    ).json()
    assert me["email"] == "admin@example.com"

    # a password account whose email was never confirmed is not linked
    token = res.json()["access_token"]
    created = requests.post(
        f"{server.url}/api/v1/users",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
        json={"email": "pw@example.com", "password": "a long password"},
    )
    assert created.status_code == 201
    cases = [
        ({"sub": "u2", "email": "pw@example.com", "email_verified": True}, "oidc_link_refused"),
        ({"sub": "u3", "email": "nobody@example.com", "email_verified": True}, "oidc_no_account"),
        (
            {"sub": "u4", "email": "admin@example.com", "email_verified": False},
            "oidc_email_unverified",
        ),
    ]
    for identity, code in cases:
        provider.identity = identity
        s, landed = sign_in(server)
        assert urlsplit(landed).path == "/admin/login"
        assert parse_qs(urlsplit(landed).query)["error"] == [code]
        assert s.cookies.get("chinwag_refresh") is None

    # once an admin vouches for the address, the same sign-in links the account
    pw = created.json()
    res = requests.patch(
        f"{server.url}/api/v1/users/{pw['id']}",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
        json={"email_confirmed": True},
    )
    assert res.status_code == 200 and res.json()["email_confirmed"] is True
    provider.identity = {"sub": "u2", "email": "pw@example.com", "email_verified": True}
    s, landed = sign_in(server)
    assert urlsplit(landed).path == "/admin/"
    assert s.cookies.get("chinwag_refresh") is not None

    # a forged callback (no state from our session) is refused too
    s = requests.Session()
    res = s.get(f"{server.url}/api/v1/auth/oidc/callback?code=x&state=y", timeout=10)
    assert parse_qs(urlsplit(res.url).query)["error"] == ["oidc_failed"]

    # every attempt is in the audit log, with the client's address and the refusal's code
    audit = requests.get(
        f"{server.url}/api/v1/audit",
        params={"q": "oidc", "limit": "200"},
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    ).json()["entries"]
    seen = [
        (e["action"], e["actor"], e["details"].get("code"))
        for e in reversed(audit)
        if e["action"].startswith("auth.")
    ]
    assert seen == [
        ("auth.sign_in", "admin@example.com", None),
        ("auth.sign_in_failed", "pw@example.com", "oidc_link_refused"),
        ("auth.sign_in_failed", "nobody@example.com", "oidc_no_account"),
        ("auth.sign_in_failed", "admin@example.com", "oidc_email_unverified"),
        ("auth.sign_in", "pw@example.com", None),
        ("auth.sign_in_failed", "unknown", "oidc_failed"),
    ]
    assert {e["details"]["address"] for e in audit if e["action"].startswith("auth.")} == {
        "127.0.0.1"
    }


@pytest.mark.browser
def test_oidc_button_signs_in_the_browser(server: Any, provider: Any, page: Any) -> None:
    provider.identity = {"sub": "u1", "email": "admin@example.com", "email_verified": True}
    page.goto(f"{server.url}/admin/login")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.wait_for_url(f"{server.url}/admin/")
    page.locator("#who").filter(has_text="admin@example.com").wait_for()

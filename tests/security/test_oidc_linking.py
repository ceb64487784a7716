"""OpenID Connect account linking (issue 21, docs/security.md): an OIDC sign-in links to an
existing account only by an email the provider verified, and an account, once linked, belongs to
that one provider subject: another subject asserting the same email is refused."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

# the test OpenID Connect provider of the admin's tests
sys.path.insert(0, str(Path(__file__).parents[2] / "admin_ui" / "tests"))
from oidc_provider import CLIENT_ID, CLIENT_SECRET, RunningProvider


@pytest.fixture
def idp() -> Iterator[Any]:
    running = RunningProvider()
    yield running.provider
    running.stop()


def _outcome(server: Any, idp: Any, identity: dict[str, Any]) -> str:
    """Sign in as ``identity`` at the provider: ``"signed_in"`` or the error code Chinwag gave."""
    idp.identity = identity
    s = requests.Session()
    landed = urlsplit(s.get(f"{server.url}/api/v1/auth/oidc/login", timeout=20).url)
    if landed.path == "/admin/":
        assert s.cookies.get("chinwag_refresh") is not None
        return "signed_in"
    assert landed.path == "/admin/login", landed
    assert s.cookies.get("chinwag_refresh") is None
    return parse_qs(landed.query)["error"][0]


def test_oidc_links_by_verified_email_and_to_one_subject_only(live_server: Any, idp: Any) -> None:
    server = live_server(
        CHINWAG_OIDC_ISSUER=idp.url,
        CHINWAG_OIDC_CLIENT_ID=CLIENT_ID,
        CHINWAG_OIDC_CLIENT_SECRET=CLIENT_SECRET,
    )
    token = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=10,
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    # an invited agent: no password, email not yet confirmed
    invited = requests.post(
        f"{server.url}/api/v1/users", json={"email": "new@example.com"}, headers=auth, timeout=10
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["email_confirmed"] is False

    # never by an unverified email: false, missing, or a truthy string
    for verified in ({"email_verified": False}, {}, {"email_verified": "true"}):
        identity = {"sub": "attacker", "email": "new@example.com", **verified}
        assert _outcome(server, idp, identity) == "oidc_email_unverified", verified
    me = requests.get(f"{server.url}/api/v1/users", headers=auth, timeout=10).json()
    assert next(u for u in me if u["email"] == "new@example.com")["email_confirmed"] is False

    # a verified email links, and the first subject owns the account from then on
    owner = {"sub": "owner", "email": "new@example.com", "email_verified": True}
    assert _outcome(server, idp, owner) == "signed_in"
    other = {"sub": "someone-else", "email": "NEW@example.com", "email_verified": True}
    assert _outcome(server, idp, other) == "oidc_subject_mismatch"
    assert _outcome(server, idp, owner) == "signed_in"

    # the same for an account that had a password first
    admin = {"sub": "admin-1", "email": "admin@example.com", "email_verified": True}
    assert _outcome(server, idp, admin) == "signed_in"
    assert _outcome(server, idp, {**admin, "sub": "admin-2"}) == "oidc_subject_mismatch"
    assert _outcome(server, idp, {**admin, "email_verified": False}) == "oidc_email_unverified"

    # the links are in the audit log, where an admin sees them
    entries = requests.get(
        f"{server.url}/api/v1/audit", params={"action": "user.oidc_link"}, headers=auth, timeout=10
    ).json()["entries"]
    subjects = sorted(r["details"]["subject"] for r in entries)
    assert subjects == ["admin-1", "owner"]

"""Failed sign-ins are limited per client address and per account (password and the OpenID
Connect callback), in memory and in Redis alike: only failures count, a refused attempt is not
counted (it neither extends the window nor is checked against the password), and the refusal is
``429 rate_limited`` with ``retry_after_ms`` (the callback: back to the sign-in page with both)."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from chinwag.testing import ADMIN_PASSWORD, create_user, make_app

#: seconds: three failed sign-ins (each hashes a password) fit in it on a loaded machine
WINDOW = 5.0
USER = "agent@example.com"


@pytest.fixture(params=["memory", "redis"])
def store(request: Any, tmp_path: Any) -> Iterator[Flask]:
    """Limits of 3 failures per address and 4 per account in a 5 s window, kept in memory or
    in Redis (a channel of this test's own: the keys are prefixed by it)."""
    with socket.socket() as s:  # a port nobody listens on: an OpenID provider that is down
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    app = make_app(
        tmp_path,
        CHINWAG_RATE_LIMIT_SIGNINS=3,
        CHINWAG_RATE_LIMIT_ACCOUNT_SIGNINS=4,
        CHINWAG_RATE_LIMIT_SIGNIN_WINDOW_SECONDS=WINDOW,
        CHINWAG_OIDC_ISSUER=f"http://127.0.0.1:{closed}",
        CHINWAG_OIDC_CLIENT_ID="chinwag",
    )
    if request.param == "redis":
        app.config["CHINWAG_REDIS_URL"] = request.getfixturevalue("redis_url")
        app.config["CHINWAG_REDIS_CHANNEL"] = f"chinwag-test-{uuid.uuid4().hex[:8]}"
    create_user(app, USER, ADMIN_PASSWORD, "agent")
    yield app


def _login(client: FlaskClient, email: str, password: str, addr: str) -> Any:
    return client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


def _refusal(res: Any) -> int:
    """The ``retry_after_ms`` of a ``rate_limited`` answer (fails on any other answer)."""
    assert res.status_code == 429, res.get_json()
    error = res.get_json()["error"]
    assert error["code"] == "rate_limited" and 0 < error["retry_after_ms"] <= WINDOW * 1000
    assert int(res.headers["Retry-After"]) == -(-error["retry_after_ms"] // 1000)
    return int(error["retry_after_ms"])


def _audited_failures(app: Flask) -> int:
    from chinwag.extensions import db
    from chinwag.models import AuditEntry

    with app.app_context():
        rows = db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == "auth.sign_in_failed")
        ).scalars()
        return len(list(rows))


def test_failed_sign_ins_are_limited_per_address(store: Flask) -> None:
    client = store.test_client()
    # successes never count
    for _ in range(5):
        assert _login(client, USER, ADMIN_PASSWORD, "198.51.100.1").status_code == 200
    # three failures from one address, each on another (unknown) account
    for i in range(3):
        res = _login(client, f"guess{i}@example.com", "wrong password", "198.51.100.1")
        assert res.status_code == 401, res.get_json()
    # the fourth attempt is refused before the password is looked at: even the right one
    wait = _refusal(_login(client, USER, ADMIN_PASSWORD, "198.51.100.1"))
    assert _audited_failures(store) == 3  # the refusal itself is not audited
    # another address is not affected
    assert _login(client, USER, ADMIN_PASSWORD, "198.51.100.2").status_code == 200
    # retrying while refused does not extend the window ...
    retried_until = time.monotonic() + wait / 1000 * 0.6
    while time.monotonic() < retried_until:
        assert _refusal(_login(client, USER, ADMIN_PASSWORD, "198.51.100.1")) <= wait
        time.sleep(0.05)
    # ... so the right password gets in once the wait it was told has passed
    time.sleep(wait / 1000 * 0.45)
    assert _login(client, USER, ADMIN_PASSWORD, "198.51.100.1").status_code == 200


def test_failed_sign_ins_are_limited_per_account_from_every_address(store: Flask) -> None:
    client = store.test_client()
    for i in range(4):  # four addresses, one failure each, on one account (known or not)
        assert (
            _login(client, "victim@example.com", "nope nope", f"203.0.113.{i}").status_code == 401
        )
    _refusal(_login(client, "VICTIM@example.com", "nope nope", "203.0.113.99"))  # case-blind
    # another account from that fresh address is fine
    assert _login(client, USER, ADMIN_PASSWORD, "203.0.113.99").status_code == 200


def test_failed_single_sign_on_callbacks_count_and_are_refused(store: Flask) -> None:
    client = store.test_client()
    addr = {"REMOTE_ADDR": "192.0.2.5"}
    for _ in range(3):  # the provider is down: each callback fails (oidc_failed) and counts
        res = client.get("/api/v1/auth/oidc/callback?code=x&state=y", environ_base=addr)
        assert res.status_code == 302 and res.headers["Location"].endswith("error=oidc_failed")
    res = client.get("/api/v1/auth/oidc/callback?code=x&state=y", environ_base=addr)
    assert res.status_code == 302
    target = urlsplit(res.headers["Location"])
    query = parse_qs(target.query)
    assert target.path == "/admin/login" and query["error"] == ["rate_limited"]
    assert 0 < int(query["retry_after_ms"][0]) <= WINDOW * 1000
    # starting single sign-on from there says so at once, and so does a password from there
    res = client.get("/api/v1/auth/oidc/login", environ_base=addr)
    assert parse_qs(urlsplit(res.headers["Location"]).query)["error"] == ["rate_limited"]
    _refusal(_login(client, USER, ADMIN_PASSWORD, "192.0.2.5"))

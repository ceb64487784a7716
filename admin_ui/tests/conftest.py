"""Fixtures of the admin's tests; the Playwright ``chromium``/``page`` fixtures and the rest
come from the ``chinwag.testing`` pytest plugin. ``sign_in`` and ``api_token`` are the one way
these tests sign in (the browser's sign-in page, the REST API's login)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from chinwag.testing import ADMIN_EMAIL, ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"

#: ``sign_in(pg, url, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, path="/admin/", keyboard=False)``
SignIn = Callable[..., None]


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the widget's npm install (``make test`` runs ``npm ci`` in widget/)."""
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing: run `make widget` (npm ci in widget/)")
        pytest.skip("axe-core is not installed (run `make widget`)")
    return AXE.read_text()


def _sign_in(
    pg: Any,
    url: str,
    email: str = ADMIN_EMAIL,
    password: str = ADMIN_PASSWORD,
    *,
    path: str = "/admin/",
    keyboard: bool = False,
) -> None:
    pg.goto(f"{url}{path}")
    pg.wait_for_url("**/admin/login?next=*")
    pg.locator("body[data-ready=true]").wait_for()  # the form submits through its script
    pg.get_by_label("Email").fill(email)
    pg.get_by_label("Password").fill(password)
    if keyboard:
        pg.keyboard.press("Enter")
    else:
        pg.get_by_role("button", name="Sign in").click()
    pg.wait_for_url(f"{url}{path}")
    pg.locator("#who").filter(has_text=email).wait_for()
    pg.locator("body[data-ready=true]").wait_for()


@pytest.fixture
def sign_in() -> SignIn:
    """-> ``sign_in(pg, url, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, path="/admin/",
    keyboard=False)``: open the admin's ``path`` signed out in the Playwright page ``pg``, be
    sent to the sign-in page, sign in there (pressing Enter when ``keyboard``, else clicking
    "Sign in") and wait until ``path`` is back, ready, with ``email`` shown as signed in."""
    return _sign_in


def _api_token(url: str, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    res = requests.post(
        f"{url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10
    )
    assert res.status_code == 200, res.text
    return str(res.json()["access_token"])


@pytest.fixture
def api_token() -> Callable[..., str]:
    """-> ``api_token(url, email=ADMIN_EMAIL, password=ADMIN_PASSWORD) -> str``: an access token
    of the REST API of the server at ``url`` (the browser keeps its own session)."""
    return _api_token

"""The admin's Privacy page shows a visitor's consent history (docs/privacy.md, Consent), in
Debian's Chromium against a real ``chinwag run``: found by email, opened from the keyboard, the
grant from the widget and the withdrawal over the API listed oldest first, axe clean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from admin_axe import axe_violations

pytestmark = pytest.mark.browser

SignIn = Callable[..., None]  # conftest.SignIn (conftest modules are not imported by name)


def test_admin_sees_a_visitors_consent_history(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url = server.url
    site = server.extra["site"]
    auth = {"Authorization": f"Bearer {api_token(url)}"}
    res = requests.patch(
        f"{url}/api/v1/sites/{site['id']}",
        json={"widget_settings": {"consent_required": True, "consent_version": "2026-12"}},
        headers=auth,
        timeout=10,
    )
    assert res.status_code == 200, res.text
    session = requests.post(
        f"{url}/api/v1/widget/session",
        json={
            "site_key": site["site_key"],
            "email": "ada@example.com",
            "name": "Ada",
            "consent_version": "2026-12",
        },
        headers={"Origin": url},
        timeout=10,
    ).json()
    vid = session["visitor_id"]
    withdrawn = requests.post(
        f"{url}/api/v1/visitors/{vid}/consent",
        json={"purposes": {"analytics": False}},
        headers=auth,
        timeout=10,
    )
    assert withdrawn.status_code == 200, withdrawn.text

    sign_in(page, url, path="/admin/privacy")
    search = page.get_by_role("search", name="Find a visitor")
    search.get_by_label("Email").fill("ada@example.com")
    search.get_by_label("Email").press("Enter")
    page.get_by_role("status").filter(has_text="1 visitor found.").wait_for()
    button = page.get_by_role("button", name="Consent history of Ada")
    button.focus()
    page.keyboard.press("Enter")
    history = page.get_by_role("table", name="Consent history, oldest first")
    history.wait_for()
    page.get_by_text("Now: analytics: not granted (consent text 2026-12).").wait_for()
    rows = history.get_by_role("row")
    assert rows.count() == 3  # the header, the grant, the withdrawal
    cells = [rows.nth(i).get_by_role("cell").all_inner_texts() for i in (1, 2)]
    assert [c[1:] for c in cells] == [
        ["analytics", "granted", "2026-12", "widget"],
        ["analytics", "withdrawn", "2026-12", "api"],
    ]
    # focus moved to the history, for screen-reader users
    assert page.evaluate("() => document.activeElement.getAttribute('aria-labelledby')") == (
        "privacy-consent-title"
    )
    assert axe_violations(page, axe_source) == []

"""The Users page sets a user's teams in one request (``PUT /api/v1/users/{id}/teams``), in
Debian's Chromium against a real ``chinwag run``: two teams ticked by keyboard are one request,
not one per team; unticking one is one more; focus returns to the row's disclosure; axe clean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from admin_axe import axe_violations
from test_browser import PASSWORD, SignIn, ready

from chinwag.testing import run_cli

pytestmark = pytest.mark.browser

EMAIL = "carol@example.com"


def test_two_teams_by_keyboard_are_one_request(
    live_server: Any,
    page: Any,
    axe_source: str,
    sign_in: SignIn,
    api_token: Callable[..., str],
) -> None:
    server = live_server()
    url = server.url
    run_cli(server.env, "users", "create", "--email", EMAIL, "--password", PASSWORD,
            "--role", "agent")  # fmt: skip
    headers = {"Authorization": f"Bearer {api_token(url)}"}
    teams = {
        name: requests.post(
            f"{url}/api/v1/teams", json={"name": name}, headers=headers, timeout=10
        ).json()["id"]
        for name in ("Billing", "Sales", "Support")
    }
    writes: list[tuple[str, str]] = []

    def record(req: Any) -> None:
        """The page's writes to the API (sign-in and token refreshes aside)."""
        api = "/api/v1/" in req.url and "/auth/" not in req.url
        if api and req.method in ("PUT", "PATCH", "POST"):
            writes.append((req.method, req.url))

    page.on("request", record)

    sign_in(page, url, "admin@example.com")
    ready(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.wait_for_url(f"{url}/admin/users")
    ready(page)
    row = page.locator(f'tr[data-user="{EMAIL}"]')
    summary = row.locator(".teams summary")
    summary.filter(has_text="none").wait_for()

    # keyboard: open the disclosure, tick Billing and Support with Space, save with Enter
    summary.focus()
    page.keyboard.press("Enter")
    for name in ("Billing", "Support"):
        row.get_by_role("checkbox", name=name).focus()
        page.keyboard.press("Space")
    row.get_by_role("button", name="Save teams").focus()
    assert axe_violations(page, axe_source) == []
    writes.clear()
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text=f"Saved the teams of {EMAIL}.").wait_for()
    summary.filter(has_text="Billing, Support").wait_for()
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    access = requests.get(f"{url}/api/v1/access", headers=headers, timeout=10).json()
    carol = next(a for a in access if a["email"] == EMAIL)
    assert carol["team_ids"] == sorted([teams["Billing"], teams["Support"]])
    assert [(m, u.split("/api/v1/")[1]) for m, u in writes] == [
        ("PUT", f"users/{carol['user_id']}/teams")
    ]
    assert axe_violations(page, axe_source) == []

    # untick Billing: one more request; the other teams are untouched
    writes.clear()
    summary.focus()
    page.keyboard.press("Enter")
    row.get_by_role("checkbox", name="Billing").focus()
    page.keyboard.press("Space")
    row.get_by_role("button", name="Save teams").focus()
    page.keyboard.press("Enter")
    summary.filter(has_text="Support").filter(has_not_text="Billing").wait_for()
    assert len(writes) == 1
    billing = requests.get(f"{url}/api/v1/teams/{teams['Billing']}", headers=headers, timeout=10)
    assert carol["user_id"] not in billing.json()["user_ids"]
    log = requests.get(
        f"{url}/api/v1/audit", params={"action": "user.teams"}, headers=headers, timeout=10
    ).json()["entries"]
    assert [e["details"]["team_ids"] for e in log] == [
        [teams["Support"]],
        sorted([teams["Billing"], teams["Support"]]),
    ]

"""Teams and scoping in Debian's Chromium against a real ``chinwag run``: an admin creates a team
on the Teams page (keyboard, axe), adds an agent and a site; that agent signs in and sees only
that site's conversations, live; an agent of another site does not get the message."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import socketio
from admin_axe import axe_violations
from test_browser import PASSWORD, SignIn, ready, wait_until
from test_inbox_browser import Visitor

from chinwag.testing import run_cli

pytestmark = pytest.mark.browser


def _agent_socket(url: str, token: str) -> tuple[socketio.SimpleClient, str]:
    sock = socketio.SimpleClient()
    sock.connect(
        url,
        namespace="/agent",
        transports=["websocket"],
        headers={"Origin": url},
        auth={"token": token},
    )
    return sock, token


def _texts(sock: socketio.SimpleClient, until: str, seconds: float = 15) -> list[str]:
    """The texts of ``message.new`` the socket gets, up to and including ``until``."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and until not in seen:
        try:
            event, data = sock.receive(timeout=max(0.1, deadline - time.monotonic()))
        except socketio.exceptions.TimeoutError:
            break
        if event == "message.new":
            seen.append(data["message"]["text"])
    return seen


def test_a_team_scopes_what_its_agent_sees_live(
    live_server: Any,
    page: Any,
    chromium: Any,
    axe_source: str,
    sign_in: SignIn,
    api_token: Callable[..., str],
) -> None:
    server = live_server()
    url, live = server.url, server.extra["site"]
    other = json.loads(
        run_cli(server.env, "sites", "create", "--name", "Other", "--origin", url, "--json").stdout
    )
    for email in ("alpha@example.com", "beta@example.com"):
        run_cli(server.env, "users", "create", "--email", email, "--password", PASSWORD,
                "--role", "agent")  # fmt: skip

    sign_in(page, url, "admin@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams").click()
    page.wait_for_url(f"{url}/admin/teams")
    ready(page)
    violations = axe_violations(page, axe_source)
    assert violations == [], f"axe on the Teams page: {violations}"

    # by keyboard: the name, then Space on the site's and the agent's checkboxes
    form = page.get_by_role("form", name="Add a team")
    form.get_by_label("Name").fill("Alpha")
    sites = form.get_by_role("group", name="Sites of the new team")
    sites.get_by_label("Live").focus()
    page.keyboard.press("Space")
    members = form.get_by_role("group", name="Members of the new team")
    members.get_by_label("alpha@example.com (agent)").focus()
    page.keyboard.press("Space")
    form.get_by_role("button", name="Create team").focus()
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Created team Alpha.").wait_for()
    team = page.get_by_role("region", name="Alpha")
    assert team.get_by_role("group", name="Sites of Alpha").get_by_label("Live").is_checked()
    row = page.locator("tr[data-user='alpha@example.com']")
    assert row.locator("td.sees").inner_text() == "Live"
    violations = axe_violations(page, axe_source)
    assert violations == [], f"axe on the Teams page with a team: {violations}"

    # beta belongs to the other site directly (the same page's second form)
    direct = page.get_by_role("form", name="Sites of one user, without a team")
    direct.get_by_label("User").select_option(label="beta@example.com")
    direct.get_by_role("group", name="Sites this user belongs to directly").get_by_label(
        "Other"
    ).check()
    direct.get_by_role("button", name="Save sites").click()
    page.get_by_role("status").filter(has_text="Saved the sites of beta@example.com").wait_for()
    wait_until(
        lambda: page.locator("tr[data-user='beta@example.com'] td.sees").inner_text() == "Other",
        "beta's row to say Other",
    )

    # alpha signs in, in a browser of their own, and sees only Live's conversations, live
    context = chromium.new_context()
    alpha = context.new_page()
    beta, _token = _agent_socket(url, api_token(url, "beta@example.com"))
    visitors = [Visitor(url, other), Visitor(url, live)]
    try:
        sign_in(alpha, url, "alpha@example.com")
        alpha.locator("#connection", has_text="Live").wait_for()
        visitors[0].say("hello from the other site")
        visitors[1].say("hello from live")
        alpha.locator("button.conv", has_text="hello from live").wait_for()
        # the other site's message was sent first: had it reached alpha it would be listed
        assert alpha.locator("button.conv", has_text="hello from the other site").count() == 0
        alpha.reload()
        ready(alpha)
        alpha.locator("button.conv", has_text="hello from live").wait_for()
        assert alpha.locator("button.conv").count() == 1
        # beta got the other site's message and never Live's
        visitors[0].say("beta's last")
        got = _texts(beta, "beta's last")
        assert "hello from the other site" in got and "beta's last" in got
        assert "hello from live" not in got
    finally:
        for v in visitors:
            v.close()
        beta.disconnect()
        context.close()

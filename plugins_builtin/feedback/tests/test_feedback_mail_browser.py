"""The page a mailed survey's rating link opens, in Chromium: no axe-core violations, and the
rating is sent with the keyboard alone. The browser talks to the test app through a route that
hands each request to the app's test client (the page needs nothing else: no script, no
assets)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import PLUGIN, left_then_closed, mail_links

from chinwag.testing import SmtpInbox, configure_plugin

AXE = Path(__file__).resolve().parents[3] / "widget" / "node_modules" / "axe-core" / "axe.min.js"


def _axe(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text() + "\n;0")
    return list(
        page.evaluate(
            "async () => (await axe.run(document)).violations"
            ".map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"
        )
    )


def _bridge(page: Any, client: Any) -> None:
    """Answer the browser's requests with the app (anything but the survey page is refused)."""

    def handle(route: Any) -> None:
        req = route.request
        parts = urlsplit(req.url)
        if not parts.path.endswith("/mail-survey"):
            route.abort()
            return
        res = client.open(
            f"{parts.path}?{parts.query}",
            method=req.method,
            data=req.post_data_buffer,
            headers={"Content-Type": req.headers.get("content-type", "text/plain")},
        )
        route.fulfill(status=res.status_code, headers=dict(res.headers), body=res.data)

    page.route("**/*", handle)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_link_page_is_accessible_and_works_with_the_keyboard(
    feedback_app: Any,
    smtp_server: SmtpInbox,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    verified: Callable[..., Any],
    agent_client: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
    page: Any,
) -> None:
    feedback_app.config["CHINWAG_SMTP_URL"] = smtp_server.url()
    configure_plugin(feedback_app, PLUGIN, email_survey=True)
    left_then_closed(
        feedback_app, answered, visitor_client, agent_client, **verified("a@example.com")
    )
    _rcpts, mail = smtp_server.only()
    _bridge(page, chinwag_client)
    page.goto(mail_links(mail)[1])  # 2 of 5
    assert page.get_by_role("heading", name="Rate your conversation").is_visible()
    assert _axe(page) == []

    page.keyboard.press("Tab")
    comment = page.get_by_label("Anything you would like to tell us?")
    assert comment.evaluate("el => el === document.activeElement")
    page.keyboard.type("Too slow")
    page.keyboard.press("Tab")
    assert page.get_by_role("button", name="Send my rating").evaluate(
        "el => el === document.activeElement"
    )
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Thank you").wait_for()
    assert _axe(page) == []

    rows = chinwag_client.get(
        "/api/v1/feedback?type=survey", headers={"Authorization": f"Bearer {admin_token}"}
    ).json["items"]
    assert [(r["score"], r["comment"]) for r in rows] == [(2, "Too slow")]

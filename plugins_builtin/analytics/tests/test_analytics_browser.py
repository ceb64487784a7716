"""The Analytics page in the real admin, in Chromium: reachable from the navigation, its tables
in the accessibility tree, and the date range applied from the keyboard lands in the URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chinwag.testing import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer, sign_in_admin

PLUGIN = "chinwag-analytics"


def test_the_dashboard_in_the_admin(live_server: Callable[..., LiveServer], page: Any) -> None:
    url = live_server().url
    sign_in_admin(page, url, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.locator("#nav").get_by_role("link", name="Analytics").click()
    board = page.locator(".analytics-dashboard")
    board.wait_for()
    for name in (
        "Conversations and messages per day (table view)",
        "Response times (table view)",
        "Messages by author (table view)",
        "Funnel (table view)",
        "Busiest hours: visitor messages per weekday and hour (UTC)",
    ):
        assert page.get_by_role("table", name=name).is_visible(), name
    assert board.locator('[data-metric="conversations"]').inner_text() == "0"
    # the charts are hidden from assistive technology: the tables carry their figures
    assert board.locator('svg[aria-hidden="true"]').count() == 3  # with the funnel
    start = page.get_by_label("From")
    start.fill("2030-01-02")
    page.get_by_label("To").fill("2030-01-08")
    page.get_by_label("To").press("Enter")
    page.wait_for_url("**from=2030-01-02**")
    board.wait_for()
    days = page.get_by_role("table", name="Conversations and messages per day (table view)")
    assert days.get_by_role("row").count() == 1 + 7  # the header and the range's seven days

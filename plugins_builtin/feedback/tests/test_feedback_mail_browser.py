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
    mailed_survey: Callable[..., list[str]],
    verified: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
    page: Any,
) -> None:
    links = mailed_survey(**verified("a@example.com"))
    _bridge(page, chinwag_client)
    page.goto(f"https://chat.example{links[1]}")  # 2 of 5
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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_state_of_the_page_is_accessible_in_arabic(
    mailed_survey: Callable[..., list[str]],
    verified: Callable[..., Any],
    chinwag_client: Any,
    page: Any,
) -> None:
    """Right to left, axe-clean and answered with the keyboard: the form, the form again (a
    comment too long, as a client that ignores maxlength sends it), the thank-you page, then
    a spent link and a damaged one."""
    links = mailed_survey({"max_comment": 10}, **verified("amal@example.com", locale="ar"))
    _bridge(page, chinwag_client)
    page.goto(f"https://chat.example{links[4]}")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.get_by_role("main").get_by_role("heading", level=1, name="قيّم محادثتك").is_visible()
    assert _axe(page) == []

    token = links[4].split("token=")[1].split("&")[0]
    again = chinwag_client.post(
        "/api/v1/feedback/mail-survey", data={"token": token, "comment": "x" * 11}
    )
    page.set_content(again.get_data(as_text=True))
    comment = page.get_by_label("هل هناك شيء تودّ إخبارنا به؟")
    assert comment.get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").inner_text() == "تعليقك طويل جدًا: 10 حرفًا على الأكثر."
    assert _axe(page) == []

    page.goto(f"https://chat.example{links[4]}")
    page.keyboard.press("Tab")
    assert page.get_by_label("هل هناك شيء تودّ إخبارنا به؟").evaluate(
        "el => el === document.activeElement"
    )
    page.keyboard.type("ممتاز")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="شكرًا لك").wait_for()
    assert page.get_by_role("status").inner_text() == "شكرًا على ملاحظاتك!"
    assert _axe(page) == []

    for link, says in [
        (links[0], "تمت الإجابة على هذا الاستبيان بالفعل."),
        (links[1].replace("token=", "token=x"), "رابط الاستبيان هذا غير صالح أو انتهت صلاحيته."),
    ]:
        page.goto(f"https://chat.example{link}")
        assert page.get_by_role("main").get_by_text(says).is_visible()
        assert page.title().startswith(says)
        assert page.evaluate("document.documentElement.lang") == "ar"
        assert _axe(page) == []

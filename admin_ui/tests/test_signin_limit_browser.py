"""The admin's sign-in page when failed sign-ins are limited (Debian's Chromium, a real
``chinwag run``): after the address's failures the next attempt, by keyboard, says in words how
long to wait (never ``rate_limited`` or a raw message), in the page's alert; the single sign-on
callback's refusal (``?error=rate_limited&retry_after_ms=``) reads the same way; axe is clean."""

from __future__ import annotations

from typing import Any

import pytest
from test_inbox_browser import no_violations

from chinwag.testing import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.browser


def _attempt(pg: Any, password: str) -> None:
    pg.locator("body[data-ready=true]").wait_for()  # the form submits through its script
    pg.get_by_label("Email").fill(ADMIN_EMAIL)
    pg.get_by_label("Password").fill(password)
    pg.get_by_label("Password").press("Enter")


def test_the_sign_in_page_says_how_long_to_wait(
    live_server: Any, page: Any, axe_source: str
) -> None:
    url = live_server(
        CHINWAG_RATE_LIMIT_SIGNINS="2", CHINWAG_RATE_LIMIT_SIGNIN_WINDOW_SECONDS="600"
    ).url
    page.goto(f"{url}/admin/login")
    alert = page.get_by_role("alert")
    for _ in range(2):
        _attempt(page, "not the password")
        alert.filter(has_text="Email or password is wrong.").wait_for()
        page.evaluate("() => { document.querySelector('#login-error').textContent = ''; }")
    _attempt(page, ADMIN_PASSWORD)  # even the right password waits now
    alert.filter(has_text="Too many failed sign-ins").wait_for()
    text = alert.inner_text()
    assert "try again in 10 minutes" in text, text
    assert "rate_limited" not in text
    assert page.url == f"{url}/admin/login"  # not signed in
    no_violations(page, axe_source, "sign-in page, rate limited")

    page.goto(f"{url}/admin/login?error=rate_limited&retry_after_ms=61000")
    alert.filter(has_text="Too many failed sign-ins").wait_for()
    assert "try again in 2 minutes" in alert.inner_text()
    page.goto(f"{url}/admin/login?error=rate_limited&retry_after_ms=4000")
    alert.filter(has_text="try again in a minute").wait_for()


def test_the_sign_in_form_never_submits_before_its_script(live_server: Any, page: Any) -> None:
    """Without its script (not yet run, or blocked) the form's button is disabled, so Enter in
    the password field does not submit it natively, a GET with the password in the URL."""
    url = live_server().url
    context = page.context.browser.new_context(java_script_enabled=False)
    try:
        bare = context.new_page()
        bare.goto(f"{url}/admin/login")
        assert bare.get_by_role("button", name="Sign in").is_disabled()
        bare.get_by_label("Email").fill(ADMIN_EMAIL)
        bare.get_by_label("Password").fill(ADMIN_PASSWORD)
        bare.get_by_label("Password").press("Enter")
        bare.wait_for_timeout(500)  # a native submit would have navigated by now
        assert bare.url == f"{url}/admin/login"
        assert ADMIN_PASSWORD.split()[0] not in bare.url
    finally:
        context.close()
    page.goto(f"{url}/admin/login")  # with its script the button works
    page.locator("body[data-ready=true]").wait_for()
    assert page.get_by_role("button", name="Sign in").is_enabled()

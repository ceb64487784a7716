"""The widget designer's consent purposes (docs/privacy.md, "Consent"; docs/admin.md), in
Debian's Chromium against a real ``chinwag run``: ``consent_purposes`` and
``consent_optional_purposes`` are groups of checkboxes, one per purpose of the catalogue, each
described by what it covers; an admin chooses with the keyboard, saves, and the site's settings
hold exactly what was ticked; asking for none is an error tied to the group. axe clean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from admin_axe import axe_violations

pytestmark = pytest.mark.browser

SignIn = Callable[..., None]  # conftest.SignIn (conftest modules are not imported by name)


def _purposes(url: str) -> dict[str, str]:
    """The consent catalogue as the designer reads it (``WidgetSettings.consent_purposes`` of the
    OpenAPI document): each purpose with what it covers."""
    spec = requests.get(f"{url}/api/v1/openapi.json", timeout=10).json()
    items = spec["components"]["schemas"]["WidgetSettings"]["properties"]["consent_purposes"]
    items = items["items"]
    assert items["enum"], items
    return {p: items["x-enum-descriptions"][p] for p in items["enum"]}


def _tab_to(page: Any, selector: str, tries: int = 80) -> None:
    """Press Tab until ``selector`` has focus: keyboard-only navigation, bounded."""
    for _ in range(tries):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_an_admin_chooses_the_consent_purposes_with_the_keyboard(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url = server.url
    purposes = _purposes(url)
    assert {"analytics", "marketing_email"} <= set(purposes)
    site = server.extra["site"]
    auth = {"Authorization": f"Bearer {api_token(url)}"}
    sign_in(page, url, path=f"/admin/sites/{site['id']}/design", keyboard=True)

    group = page.get_by_role("group", name="Consent purposes")
    group.wait_for()
    boxes = group.get_by_role("checkbox")
    assert boxes.count() == len(purposes)
    for purpose, covers in purposes.items():
        box = group.get_by_role("checkbox", name=purpose.replace("_", " ").capitalize())
        assert box.get_attribute("value") == purpose
        described = box.evaluate(
            "b => b.getAttribute('aria-describedby').split(' ')"
            ".map(id => document.getElementById(id).textContent).join(' ').trim()"
        )
        assert described == covers
    # the default the widget uses: analytics only
    assert [b.get_attribute("value") for b in boxes.all() if b.is_checked()] == ["analytics"]
    optional = page.get_by_role("group", name="Consent optional purposes")
    assert optional.get_by_role("checkbox").count() == len(purposes)
    assert not any(b.is_checked() for b in optional.get_by_role("checkbox").all())
    assert axe_violations(page, axe_source) == []

    # none asked: the server's error is shown with the group, on its first box
    _tab_to(page, "#f-consent_purposes-analytics")
    page.keyboard.press("Space")
    error = page.locator("[data-error-for=consent_purposes]")
    error.filter(has_text="Length must be between 1 and 5.").wait_for()
    first = page.locator("#f-consent_purposes-analytics")
    assert first.get_attribute("aria-invalid") == "true"
    assert "f-consent_purposes-err" in (first.get_attribute("aria-describedby") or "")
    assert axe_violations(page, axe_source) == []

    # analytics and marketing asked, marketing optional; Tab to Save, Enter
    page.keyboard.press("Space")
    page.wait_for_function(
        "() => !document.querySelector('#f-consent_purposes-analytics[aria-invalid]')"
    )
    _tab_to(page, "#f-consent_purposes-marketing_email")
    page.keyboard.press("Space")
    _tab_to(page, "#f-consent_optional_purposes-marketing_email")
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Saved.").wait_for()
    assert error.inner_text() == ""
    saved = requests.get(f"{url}/api/v1/sites/{site['id']}", headers=auth, timeout=10).json()
    assert saved["widget_settings"]["consent_purposes"] == ["analytics", "marketing_email"]
    assert saved["widget_settings"]["consent_optional_purposes"] == ["marketing_email"]
    assert axe_violations(page, axe_source) == []

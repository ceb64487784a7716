"""The installation check on the admin's Sites page and the agent's profile page, in Debian's
Chromium against a real ``chinwag run``: after the widget was loaded from an allowed origin and
refused on another, and with a mistyped site key from the allowed origin, the site's card says
when and where it was loaded, which origin was refused and which unknown key its origin tried; an agent sets the name visitors see (a bad avatar URL is tied to its field); axe finds
nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from admin_axe import axe_violations

pytestmark = pytest.mark.browser

SignIn = Callable[..., None]  # conftest.SignIn (conftest modules are not imported by name)


def test_sites_page_shows_the_installation_check(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url = server.url
    site = server.extra["site"]
    admin = {"Authorization": f"Bearer {api_token(url)}"}
    res = requests.patch(
        f"{url}/api/v1/sites/{site['id']}",
        json={"allowed_origins": ["https://shop.example"]},
        headers=admin,
        timeout=10,
    )
    assert res.status_code == 200, res.text
    # what browsers send: the page's origin as Referer for the config, as host for the frame
    config = f"{url}/widget/config/{site['site_key']}.js"
    requests.get(config, headers={"Referer": "https://shop.example/cart"}, timeout=10)
    requests.get(config, headers={"Referer": "https://staging.shop.example/"}, timeout=10)
    # a mistyped data-site on the shop: no site to tie it to, shown where the origin is allowed
    typo = f"{url}/widget/config/pk_mistyped.js"
    assert (
        requests.get(typo, headers={"Referer": "https://shop.example/"}, timeout=10).status_code
        == 404
    )

    sign_in(page, url, path="/admin/sites", keyboard=True)
    card = page.locator(f"section[data-site='{site['id']}']")
    check = card.get_by_role("region", name="Installation check")
    check.get_by_text("Widget last loaded").wait_for()
    origins = check.get_by_role("list", name="Last origins seen")
    assert origins.get_by_role("listitem").count() == 1
    assert "https://shop.example" in origins.inner_text()
    errors = check.get_by_role("list", name="Last errors")
    assert "Not an allowed origin" in errors.inner_text()
    assert "https://staging.shop.example" in errors.inner_text()
    keys = check.get_by_role("list", name="Unknown site keys tried")
    assert "https://shop.example tried an unknown key pk_mistyped" in keys.inner_text()
    assert f"this site's key is {site['site_key']}" in keys.inner_text()
    assert axe_violations(page, axe_source) == []


def test_agent_sets_the_name_visitors_see_on_the_profile_page(
    live_server: Any, page: Any, axe_source: str, sign_in: SignIn, api_token: Callable[..., str]
) -> None:
    server = live_server()
    url = server.url
    sign_in(page, url, path="/admin/profile", keyboard=True)
    assert (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Your profile")
        .get_attribute("aria-current")
        == "page"
    )
    page.get_by_label("Avatar URL").fill("javascript:alert(1)")
    page.get_by_role("button", name="Save profile").click()
    page.locator("[data-error-for=avatar_url]").filter(has_text="web URL").wait_for()
    assert page.get_by_label("Avatar URL").get_attribute("aria-invalid") == "true"
    page.get_by_label("Avatar URL").fill("")
    page.get_by_label("Display name").fill("Ana Lima")
    page.keyboard.press("Enter")
    page.get_by_text("Visitors see you as Ana Lima.").wait_for()
    got = requests.get(
        f"{url}/api/v1/profile", headers={"Authorization": f"Bearer {api_token(url)}"}, timeout=10
    ).json()
    assert got == {"display_name": "Ana Lima", "avatar_url": None, "public_name": "Ana Lima"}
    assert axe_violations(page, axe_source) == []

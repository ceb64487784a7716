"""Subresource integrity for the lazily loaded feature chunks: the chat page's import map carries
each chunk's sha384 from the build's manifest (allowed by the page's CSP by its hash), so
Chromium refuses a tampered chunk as it refuses a tampered chat script; the feature it carries
does not appear and the chat goes on."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from test_widget_consent_browser import Served, served_app  # noqa: F401 (the fixture)
from widget_helpers import chat_frame, launcher

from chinwag.testing import create_site


def _frame_html(app: Any, site_key: str) -> tuple[str, str]:
    res = app.test_client().get(f"/widget/frame/{site_key}?host=https://shop.example")
    assert res.status_code == 200
    return res.data.decode(), res.headers["Content-Security-Policy"]


def test_the_chat_page_lists_every_chunk_with_its_hash(
    chinwag_app: Any, widget_build: dict[str, Any]
) -> None:
    site = create_site(chinwag_app, name="Shop")
    html, csp = _frame_html(chinwag_app, site["site_key"])
    found = re.search(r'<script type="importmap">(.*?)</script>', html)
    assert found is not None
    integrity = json.loads(found.group(1))["integrity"]
    for chunk in widget_build["chunks"].values():
        assert integrity[f"/widget/{chunk}"] == widget_build["lazy_sri"][chunk]
        assert integrity[f"/widget/{chunk}"].startswith("sha384-")
    # the map comes before the chat's module script, and the CSP allows exactly it
    assert html.index('type="importmap"') < html.index('type="module"')
    digest = base64.b64encode(hashlib.sha256(found.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_a_tampered_chunk_is_refused(
    chinwag_app: Any,
    served_app: Served,  # noqa: F811 (the fixture imported above)
    host_page: Any,
    page: Any,
    widget_build: dict[str, Any],
) -> None:
    from chinwag.extensions import db
    from chinwag.models import Site

    server = served_app
    server.extra["site"] = site = create_site(chinwag_app, name="Shop")
    host = host_page(server)
    with chinwag_app.app_context():
        db.session.get(Site, site["id"]).allowed_origins = [server.url, host.origin]
        db.session.commit()
    consent = widget_build["chunks"]["consent"]  # the core's Privacy tab: on every site

    def tamper(route: Any) -> None:
        original = route.fetch()
        route.fulfill(response=original, body=original.text() + "\n;window.tampered = 1;\n")

    page.route(f"{server.url}/widget/{consent}", tamper)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "integrity" in m.text else None)
    with page.expect_console_message(lambda m: "integrity" in m.text):
        page.goto(host.origin)
        launcher(page).focus()
        page.keyboard.press("Enter")
        frame = chat_frame(page)
    frame.locator("#cw-input").wait_for()  # the chat itself works
    assert consent.split("/")[-1] in refused[0]
    assert frame.get_by_role("button", name="Privacy").count() == 0
    assert frame.evaluate("() => window.tampered === undefined")

    # another visitor, nothing tampered with: the chunk loads and its tab appears
    other = page.context.browser.new_context().new_page()
    try:
        other.goto(host.origin)
        launcher(other).focus()
        other.keyboard.press("Enter")
        chat_frame(other).get_by_role("button", name="Privacy").wait_for()
    finally:
        other.context.close()

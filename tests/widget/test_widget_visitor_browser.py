"""The widget in Chromium: URL rules across single-page-app navigations, identity (identify,
reset, an expired verified session), the visitor's conversations, and the admin's live preview."""

from __future__ import annotations

from typing import Any

from widget_helpers import admin_token, launcher, patch_site


def test_url_rules_follow_single_page_navigation(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    server = widget_server
    host = host_page(server)
    patch_site(
        server,
        admin_token(server),
        allowed_origins=[server.url, host.origin],
        widget_settings={
            "show_on": ["/shop*"],
            "hide_on": ["/shop/private*", "*://*/shop/sale?ref=*"],
        },
    )
    page.goto(host.origin + "/")
    page.wait_for_function("() => window.events.some(e => e[0] === 'ready')")
    assert not launcher(page).is_visible()
    # the host page wraps history itself; the widget must not get in its way
    page.evaluate(
        """() => {
        window.pushes = 0;
        const push = history.pushState;
        history.pushState = function (...a) { window.pushes++; return push.apply(this, a); };
    }"""
    )

    def nav(js: str, visible: bool) -> None:
        page.evaluate(js)
        launcher(page).wait_for(state="visible" if visible else "hidden")

    nav("() => history.pushState({}, '', '/shop/shoes')", True)
    nav("() => history.pushState({}, '', '/shop/private/orders')", False)
    nav("() => history.back()", True)  # popstate
    nav("() => history.replaceState({}, '', '/shop/sale?ref=mail')", False)
    nav("() => history.replaceState({}, '', '/shop/sale')", True)
    nav("() => history.pushState({}, '', '/about')", False)
    assert page.evaluate("() => [window.pushes, location.pathname]") == [3, "/about"]
    assert page.evaluate("() => window.events.filter(e => e[0] === 'ready').length") == 1

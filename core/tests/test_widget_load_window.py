"""``widget.loaded`` cannot be inflated by fetching the chat's URL in a loop: one address (an
IPv6 /64) served the same site's frame (or full page) again within ``LOAD_WINDOW`` seconds is
the same load; other addresses, other sites and the window's end count again; only a keyed hash
of the address is kept (docs/analytics-dashboards.md)."""

from __future__ import annotations

from typing import Any

import pytest

from chinwag import ratelimit, widget_assets
from chinwag.testing import CapturedAnalytics, create_site

HOST = "https://shop.example"
pytestmark = pytest.mark.filterwarnings("ignore")


class Clock:
    """The limiter's clock, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _load(client: Any, key: str, address: str, page: bool = False) -> None:
    url = f"/chat/{key}" if page else f"/widget/frame/{key}?host={HOST}"
    assert client.get(url, environ_base={"REMOTE_ADDR": address}).status_code == 200


def _loads(analytics: CapturedAnalytics) -> list[tuple[int | None, str]]:
    analytics.drain()
    return [(e.site_id, e.properties["mode"]) for e in analytics.of("widget.loaded")]


def test_one_address_fetching_the_frame_in_a_loop_is_one_load_per_window(
    chinwag_app: Any,
    chinwag_client: Any,
    demo_site: dict[str, Any],
    analytics: CapturedAnalytics,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    monkeypatch.setattr(ratelimit.time, "monotonic", clock)
    key, site = demo_site["site_key"], demo_site["id"]
    other = create_site(chinwag_app, "Other", (HOST,))
    for _ in range(50):
        _load(chinwag_client, key, "198.51.100.7")
    assert _loads(analytics) == [(site, "frame")]

    _load(chinwag_client, key, "198.51.100.8")  # another address
    _load(chinwag_client, other["site_key"], "198.51.100.7")  # another site
    _load(chinwag_client, key, "198.51.100.7", page=True)  # the full-page chat
    _load(chinwag_client, key, "2001:db8:1:2::1")
    _load(chinwag_client, key, "2001:db8:1:2:ffff::9")  # the same /64: the same host
    _load(chinwag_client, key, "2001:db8:1:3::1")  # the next /64
    assert len(_loads(analytics)) == 1 + 5

    clock.now += widget_assets.LOAD_WINDOW - 1
    _load(chinwag_client, key, "198.51.100.7")
    assert len(_loads(analytics)) == 6  # still inside the window
    clock.now += 2
    _load(chinwag_client, key, "198.51.100.7")
    assert _loads(analytics)[-1] == (site, "frame")
    assert len(_loads(analytics)) == 7


def test_the_address_is_kept_only_as_a_keyed_hash(
    chinwag_app: Any, chinwag_client: Any, demo_site: dict[str, Any]
) -> None:
    _load(chinwag_client, demo_site["site_key"], "198.51.100.77")
    store = chinwag_app.extensions["chinwag_limiters"]["widget_loads"]
    keys = list(store._hits)
    assert len(keys) == 1 and "198.51.100.77" not in keys[0]
    assert demo_site["site_key"] not in keys[0]

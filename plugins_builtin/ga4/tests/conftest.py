"""Fixtures of the GA4 plugin's tests: a local Measurement Protocol (``ga4_fake``), a local User
Deletion API (``ga4_admin_fake``) and an app whose chinwag-ga4 is enabled and pointed at both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ga4_admin_fake import FakeGA4Admin
from ga4_fake import FakeGA4

from chinwag.testing import configure_plugin, enable_plugin

PLUGIN = "chinwag-ga4"


@pytest.fixture
def fake_ga4() -> Iterator[FakeGA4]:
    """-> ``FakeGA4``: a validating Measurement Protocol on 127.0.0.1 (a free port)."""
    fake = FakeGA4().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_ga4_admin() -> Iterator[FakeGA4Admin]:
    """-> ``FakeGA4Admin``: a validating User Deletion API on 127.0.0.1 (a free port)."""
    fake = FakeGA4Admin().start()
    yield fake
    fake.stop()


@pytest.fixture
def ga4_app(chinwag_app: Any, fake_ga4: FakeGA4) -> Any:
    """``chinwag_app`` with chinwag-ga4 enabled, configured for ``fake_ga4`` (no deletions)."""
    configure_plugin(
        chinwag_app,
        PLUGIN,
        measurement_id=fake_ga4.measurement_id,
        api_secret=fake_ga4.api_secret,
        api_host=fake_ga4.url,
    )
    enable_plugin(chinwag_app, PLUGIN)
    return chinwag_app


@pytest.fixture
def ga4_erasing_app(ga4_app: Any, fake_ga4_admin: FakeGA4Admin) -> Any:
    """``ga4_app`` whose erasures go to ``fake_ga4_admin``'s User Deletion API."""
    configure_plugin(
        ga4_app,
        PLUGIN,
        property_id=fake_ga4_admin.property_id,
        deletion_token=fake_ga4_admin.token,
        admin_api_url=fake_ga4_admin.url,
    )
    return ga4_app

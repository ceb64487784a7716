"""Fixtures of the GA4 plugin's tests: a local Measurement Protocol (``ga4_fake``) and an app
whose chinwag-ga4 is enabled and pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
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
def ga4_app(chinwag_app: Any, fake_ga4: FakeGA4) -> Any:
    """``chinwag_app`` with chinwag-ga4 enabled, configured for ``fake_ga4``."""
    configure_plugin(
        chinwag_app,
        PLUGIN,
        measurement_id=fake_ga4.measurement_id,
        api_secret=fake_ga4.api_secret,
        api_host=fake_ga4.url,
    )
    enable_plugin(chinwag_app, PLUGIN)
    return chinwag_app

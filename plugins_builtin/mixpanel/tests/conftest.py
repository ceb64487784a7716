"""Fixtures of the Mixpanel plugin's tests: a local Mixpanel (``mixpanel_fake``) and an app whose
chinwag-mixpanel is enabled and pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from mixpanel_fake import FakeMixpanel

from chinwag.testing import configure_plugin, enable_plugin

PLUGIN = "chinwag-mixpanel"


@pytest.fixture
def fake_mixpanel() -> Iterator[FakeMixpanel]:
    """-> ``FakeMixpanel``: a validating Mixpanel on 127.0.0.1 (a free port)."""
    fake = FakeMixpanel().start()
    yield fake
    fake.stop()


@pytest.fixture
def mixpanel_app(chinwag_app: Any, fake_mixpanel: FakeMixpanel) -> Any:
    """``chinwag_app`` with chinwag-mixpanel enabled, its token, API secret and GDPR token set
    and every request going to ``fake_mixpanel``."""
    configure_plugin(
        chinwag_app,
        PLUGIN,
        project_token=fake_mixpanel.token,
        api_secret=fake_mixpanel.api_secret,
        gdpr_token=fake_mixpanel.gdpr_token,
        api_host=fake_mixpanel.url,
    )
    enable_plugin(chinwag_app, PLUGIN)
    return chinwag_app

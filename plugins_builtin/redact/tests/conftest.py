"""Fixtures of chinwag-redact's tests: the plugin enabled on the test app."""

from __future__ import annotations

from typing import Any

import pytest

from chinwag.testing import enable_plugin


@pytest.fixture
def redact(chinwag_app: Any) -> Any:
    enable_plugin(chinwag_app, "chinwag-redact")
    return chinwag_app

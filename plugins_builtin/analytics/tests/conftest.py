"""Fixtures of the analytics plugin's tests: the plugin enabled and a bot that answers (and hands
over to humans when asked for one: ``answer_bot`` of ``chinwag.testing``)."""

from __future__ import annotations

from typing import Any

import pytest

from chinwag.testing import enable_plugin

PLUGIN = "chinwag-analytics"


@pytest.fixture
def analytics_app(chinwag_app: Any, answer_bot: None) -> Any:
    """``chinwag_app`` with chinwag-analytics enabled and the answer bot answering."""
    enable_plugin(chinwag_app, PLUGIN)
    return chinwag_app

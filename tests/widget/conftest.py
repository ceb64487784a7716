"""Fixtures of the widget's tests (defined in widget_helpers.py)."""

from widget_helpers import agent, host_page, widget_build, widget_server

__all__ = ["agent", "host_page", "widget_build", "widget_server"]

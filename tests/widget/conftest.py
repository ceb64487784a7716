"""Fixtures of the widget's tests (defined in widget_helpers.py)."""

from slot_helpers import features_server, helpdesk_site
from widget_helpers import agent, host_page, widget_build, widget_server

__all__ = [
    "agent",
    "features_server",
    "helpdesk_site",
    "host_page",
    "widget_build",
    "widget_server",
]

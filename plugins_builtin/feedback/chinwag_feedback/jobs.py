"""Asks the surveys of sites that ask "after N minutes without a reply"."""

from __future__ import annotations

from typing import ClassVar

from chinwag_plugin_api import PluginContext, ScheduledJob

from chinwag_feedback.idle import ask_idle_surveys


class IdleSurveys(ScheduledJob):
    interval: ClassVar[int] = 60

    def run(self, ctx: PluginContext) -> None:
        ask_idle_surveys(ctx)

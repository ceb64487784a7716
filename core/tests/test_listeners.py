"""Analytics sinks hear committed events; scheduled jobs run on their interval; both are isolated."""

from typing import Any, ClassVar

from chinwag_plugin_api import (
    AnalyticsEvent,
    AnalyticsSink,
    PluginContext,
    PluginInfo,
    ScheduledJob,
)

from chinwag.actions.analytics import flush
from chinwag.testing import run_jobs

EVENTS: list[tuple[str, dict[str, Any]]] = []
RUNS: list[str] = []


class Recorder(AnalyticsSink):
    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        EVENTS.append((event.name, dict(event.properties)))


class Exploding(AnalyticsSink):
    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        raise ConnectionError("analytics endpoint down")


class Sweep(ScheduledJob):
    interval: ClassVar[int] = 3600

    def run(self, ctx: PluginContext) -> None:
        RUNS.append(ctx.plugin_name)


def test_sinks_receive_events_and_failures_do_not_block(
    chinwag_app: Any, socket_client: Any, demo_site: Any, visitor_session: Any
) -> None:
    EVENTS.clear()
    host = chinwag_app.extensions["chinwag"].plugins
    host.register_test_plugin(
        "recorder", PluginInfo("Recorder"), {AnalyticsSink.namespace: [Recorder]}
    )
    bad = host.register_test_plugin(
        "exploding", PluginInfo("Exploding"), {AnalyticsSink.namespace: [Exploding]}
    )
    s = visitor_session()
    v = socket_client(
        "/widget", {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    )
    ack = v.emit(
        "message.send", {"client_msg_id": "a", "text": "hi"}, namespace="/widget", callback=True
    )
    assert ack["ok"]
    assert chinwag_app.extensions["chinwag"].bus.wait_idle()  # sinks run after the ack
    assert EVENTS == []  # in batches, on the job queue
    with chinwag_app.app_context():
        flush()
    run_jobs(chinwag_app)
    names = [name for name, _ in EVENTS if not name.startswith("widget.")]
    assert names == ["message.sent", "conversation.started"]
    assert dict(EVENTS)["message.sent"]["conversation_id"] == ack["message"]["conversation_id"]
    assert bad.stats.failures >= 1  # its batch failed (and is retried with back-off)


def test_jobs_run_once_per_interval(chinwag_app: Any) -> None:
    from chinwag.testing import run_jobs

    RUNS.clear()
    chinwag_app.extensions["chinwag"].plugins.register_test_plugin(
        "sweeper", PluginInfo("Sweeper"), {ScheduledJob.namespace: [Sweep]}
    )
    run_jobs(chinwag_app)
    run_jobs(chinwag_app)  # the same interval: its run was queued once
    assert RUNS == ["sweeper"]
    run_jobs(chinwag_app, scheduled=True)
    assert RUNS == ["sweeper", "sweeper"]

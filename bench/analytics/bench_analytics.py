"""Analytics: events/s through the pipeline, and a visitor's ack latency while a sink hangs.

    .venv/bin/python bench/analytics/bench_analytics.py [--events 20000] [--visitors 10]
        [--messages 15] [--skip-live]

1. In process (SQLite, in-memory job queue): ``--events`` committed ``message.stored`` events
   go through the whole pipeline (catalogue form, pseudonym, opt-in fields, consent check,
   outbox, batches as jobs, the sink) to a sink that counts; the baseline, in the same run, hands
   the same number of ready-made analytics events straight to the sink's ``track`` (the cost the
   pipeline adds on top of a sink). Reported: events/s of each.
2. Live (``chinwag run``, gevent, SQLite): the same visitors send the same paced messages in
   each phase of one run: no sink enabled (the baseline); then each shipped third-party sink
   alone (chinwag-mixpanel, chinwag-ga4, chinwag-elasticsearch), pointed at its own loopback
   server (``chinwag.testing.HTTPCapture``) that accepts the connection, reads the request and
   never answers (until the bench ends: the sinks' own request timeouts apply); last, a sink
   whose ``track`` sleeps 10 minutes (it holds its job workers for good, so it comes last).
   Reported: ack p50/p99 of each phase and the requests each hanging server held (the sink did
   send) (the phases should match: sinks get their events on the job queue, never on the chat
   path). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "bench" / "realtime"))
sys.path.insert(0, str(HERE.parents[1] / "tests" / "realtime"))

from chinwag_plugin_api import AnalyticsEvent, AnalyticsSink, PluginContext  # noqa: E402
from chinwag_plugin_api.events import MessageStored, StoredMessage  # noqa: E402

from chinwag.testing import (  # noqa: E402
    CapturedRequest,
    HTTPCapture,
    create_site,
    make_app,
    register_plugin,
    run_cli,
)

PLUGIN = "chinwag-bench-hangsink"
#: the shipped third-party sinks and the settings that point each at ``{url}`` (a hanging server)
SHIPPED: dict[str, tuple[str, ...]] = {
    "chinwag-mixpanel": ("project_token=bench-token", "api_host={url}"),
    "chinwag-ga4": ("measurement_id=G-BENCH0001", "api_secret=bench-secret", "api_host={url}"),
    "chinwag-elasticsearch": ("url={url}",),
}


class Hanging(HTTPCapture):
    """A loopback server that accepts every connection, reads the request and never answers
    until :meth:`stop` (``requests``: what it holds)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        super().__init__(self._hang)

    def _hang(self, request: CapturedRequest) -> tuple[int, Any]:
        self.release.wait()
        return 503, None

    def start(self) -> Hanging:
        super().start()
        assert self.server is not None
        # at stop() the sinks have long given up: their reply finds the connection closed
        self.server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        return self

    def stop(self) -> None:
        self.release.set()
        super().stop()


class Counting(AnalyticsSink):
    seen = 0

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        Counting.seen += 1


def in_process(events: int) -> list[tuple[str, float]]:
    from chinwag.actions.analytics import collect, flush
    from chinwag.extensions import db
    from chinwag.models import Visitor

    with tempfile.TemporaryDirectory() as tmp:
        # production refreshes the plugin state every second (tests: on every call)
        # and the jobs run after the loop here: the buffer holds every event
        app = make_app(
            Path(tmp),
            CHINWAG_JOBS_URL="memory",
            CHINWAG_PLUGIN_REFRESH_SECONDS=1.0,
            CHINWAG_ANALYTICS_BUFFER=events,
        )
        register_plugin(app, "counting", Counting)
        site = create_site(app)
        with app.app_context():
            visitor = Visitor(site_id=site["id"])
            db.session.add(visitor)
            db.session.commit()
            vid = visitor.id
        now = datetime.now(UTC)
        made = [
            MessageStored(
                site["id"],
                conversation_id=1,
                visitor_id=vid,
                message=StoredMessage(i, 1, i + 1, None, "visitor", None, "hi", (), {}, now),
            )
            for i in range(events)
        ]
        ready = [AnalyticsEvent("message.sent", site["id"], vid, {}, now) for _ in range(events)]
        with app.app_context():
            ctx = Any  # the baseline's sink ignores its context
            sink = Counting()
            started = time.perf_counter()
            for event in ready:
                sink.track(ctx, event)  # type: ignore[arg-type]
            direct = time.perf_counter() - started
            Counting.seen = 0
            started = time.perf_counter()
            for stored in made:
                collect(stored)
            flush()
        app.extensions["chinwag"].jobs.run_pending(max_jobs=10**6)
        through = time.perf_counter() - started
        assert Counting.seen == events, (Counting.seen, events)
        return [("direct track() (baseline)", events / direct), ("pipeline", events / through)]


def write_plugin(site_dir: Path) -> None:
    """A distribution on ``site_dir`` (the server's PYTHONPATH): a sink that hangs."""
    pkg = site_dir / "chinwag_bench_hangsink"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            """
            import time

            from chinwag_plugin_api import AnalyticsSink


            class HangingSink(AnalyticsSink):
                def track(self, ctx, event):
                    time.sleep(600)
            """
        )
    )
    info = site_dir / "chinwag_bench_hangsink-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: chinwag-bench-hangsink\nVersion: 0.1.0\n"
        "Summary: bench: an analytics sink that hangs\n"
        "Requires-Dist: chinwag-plugin-api>=1.0,<2\n"
    )
    (info / "entry_points.txt").write_text(
        "[chinwag.analytics]\nhanging = chinwag_bench_hangsink:HangingSink\n"
    )
    (info / "RECORD").write_text("")


def live(visitors: int, messages: int, gap: float) -> list[dict[str, Any]]:
    import requests
    from bench_slow_bot import phase
    from realtime_helpers import prepare_server

    hanging = {name: Hanging().start() for name in SHIPPED}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            site_dir = Path(tmp) / "site"
            write_plugin(site_dir)
            server = prepare_server(Path(tmp) / "inst", PYTHONPATH=str(site_dir))
            for name, settings in SHIPPED.items():
                url = hanging[name].url
                run_cli(
                    server.env, "plugins", "configure", name, *(s.format(url=url) for s in settings)
                )
                run_cli(server.env, "plugins", "disable", name)
            run_cli(server.env, "plugins", "disable", PLUGIN)
            server.start(timeout=180)
            try:
                requests.get(f"{server.url}/healthz", timeout=10).raise_for_status()
                rows = [phase(server, "p0", visitors, messages, gap)]
                rows[0]["phase"] = "no sink (baseline)"
                for i, name in enumerate([*SHIPPED, PLUGIN], start=1):
                    run_cli(server.env, "plugins", "enable", name)
                    time.sleep(
                        1.5
                    )  # every process re-reads plugin state within CHINWAG_PLUGIN_REFRESH
                    label = (
                        f"{name}, its server hangs" if name in SHIPPED else "track() sleeps 600 s"
                    )
                    row = phase(server, f"p{i}", visitors, messages, gap)  # client_msg_id prefix
                    row["phase"] = label
                    row["held"] = len(hanging[name].requests) if name in SHIPPED else None
                    rows.append(row)
                    run_cli(server.env, "plugins", "disable", name)
            finally:
                server.stop(kill=True)  # its job workers sleep in the sink
    finally:
        for capture in hanging.values():
            capture.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--visitors", type=int, default=10)
    parser.add_argument("--messages", type=int, default=15)
    parser.add_argument("--gap", type=float, default=0.25)
    parser.add_argument("--skip-live", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"\n{args.events} message.stored events, one third-party sink, same run:")
    print("| path | events/s |\n|---|---:|")
    for label, rate in in_process(args.events):
        print(f"| {label} | {rate:,.0f} |")
    if args.skip_live:
        return
    rows = live(args.visitors, args.messages, args.gap)
    print(
        f"\nvisitor ack latency, {args.visitors} visitors x {args.messages} messages every "
        f"{args.gap:.2f} s, one hanging analytics sink enabled at a time, same run:"
    )
    print(
        "| phase | acks | failed | ack p50 ms | ack p99 ms | requests held |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    for r in rows:
        held = "" if r.get("held") is None else r["held"]
        print(
            f"| {r['phase']} | {r['acks']} | {r['failed']} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {held} |"
        )


if __name__ == "__main__":
    main()

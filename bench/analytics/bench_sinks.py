"""Analytics sinks: events/s through the pipeline to each shipped sink, same run.

    .venv/bin/python bench/analytics/bench_sinks.py [--events 5000] [--visitors 20]

In process (SQLite, in-memory job queue), as ``bench_analytics.py``'s first part: ``--events``
committed ``message.stored`` events of ``--visitors`` visitors go through the whole pipeline
(catalogue form, pseudonym, consent check, outbox, batches of 100 as jobs) to one enabled sink
at a time: chinwag-analytics (first party, the baseline: writes aggregates to the database),
chinwag-mixpanel and chinwag-ga4, each against its tests' local validating server on 127.0.0.1
(``mixpanel_fake``, ``ga4_fake``: real HTTP, no network latency). Reported: events/s of each, and
whether the server refused anything. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "plugins_builtin" / "mixpanel" / "tests"))
sys.path.insert(0, str(ROOT / "plugins_builtin" / "ga4" / "tests"))

from chinwag_plugin_api.events import MessageStored, StoredMessage  # noqa: E402
from ga4_fake import FakeGA4  # noqa: E402
from mixpanel_fake import FakeMixpanel  # noqa: E402

from chinwag.testing import (  # noqa: E402
    configure_plugin,
    create_site,
    dispose,
    enable_plugin,
    make_app,
)

SINKS = ("chinwag-analytics", "chinwag-mixpanel", "chinwag-ga4")


def run(sink: str, events: int, visitors: int) -> tuple[float, int, list[str]]:
    """Events/s through the pipeline to ``sink`` alone; events the server got; its refusals."""
    from chinwag.actions.analytics import collect, flush
    from chinwag.extensions import db
    from chinwag.models import Visitor

    mixpanel = FakeMixpanel().start()
    ga4 = FakeGA4().start()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(
            Path(tmp),
            CHINWAG_JOBS_URL="memory",
            CHINWAG_PLUGIN_REFRESH_SECONDS=1.0,
            CHINWAG_ANALYTICS_BUFFER=events,
        )
        try:
            configure_plugin(
                app,
                "chinwag-mixpanel",
                project_token=mixpanel.token,
                api_secret=mixpanel.api_secret,
                api_host=mixpanel.url,
            )
            configure_plugin(
                app,
                "chinwag-ga4",
                measurement_id=ga4.measurement_id,
                api_secret=ga4.api_secret,
                api_host=ga4.url,
            )
            for name in SINKS:
                enable_plugin(app, name, name == sink)
            site = create_site(app)
            with app.app_context():
                rows = [Visitor(site_id=site["id"]) for _ in range(visitors)]
                db.session.add_all(rows)
                db.session.commit()
                ids = [v.id for v in rows]
            now = datetime.now(UTC)
            made = [
                MessageStored(
                    site["id"],
                    conversation_id=1 + i % visitors,
                    visitor_id=ids[i % visitors],
                    message=StoredMessage(
                        i, 1 + i % visitors, i // visitors + 1, None, "visitor", None, "hi", (),
                        {}, now,
                    ),
                )
                for i in range(events)
            ]  # fmt: skip
            time.sleep(1.1)  # the plugin state is re-read once a second here
            started = time.perf_counter()
            with app.app_context():
                for stored in made:
                    collect(stored)
                flush()
            app.extensions["chinwag"].jobs.run_pending(max_jobs=10**6)
            elapsed = time.perf_counter() - started
        finally:
            dispose(app)
            mixpanel.stop()
            ga4.stop()
    got = {
        "chinwag-analytics": events,
        "chinwag-mixpanel": len(mixpanel.events),
        "chinwag-ga4": sum(len(b["events"]) for b in ga4.bodies),
    }[sink]
    errors = mixpanel.errors + [str(m) for m in ga4.errors]
    return events / elapsed, got, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--visitors", type=int, default=20)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        f"\n{args.events} message.stored events of {args.visitors} visitors, one sink enabled "
        "at a time, same run:"
    )
    print("| sink | events/s | events received | refused |\n|---|---:|---:|---:|")
    rows: list[Any] = []
    for sink in SINKS:
        rate, got, errors = run(sink, args.events, args.visitors)
        rows.append((sink, rate, got, errors))
        label = f"{sink} (baseline, first party)" if sink == "chinwag-analytics" else sink
        print(f"| {label} | {rate:,.0f} | {got} | {len(errors)} |")
        for e in errors[:3]:
            print(f"    ! {e}")


if __name__ == "__main__":
    main()

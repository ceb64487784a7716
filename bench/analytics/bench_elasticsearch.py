"""Analytics sinks side by side: events/s into chinwag-elasticsearch and, as the baseline in the
same run on the same events, into the first-party chinwag-analytics.

    .venv/bin/python bench/analytics/bench_elasticsearch.py [--events 20000] [--batch 100]
        [--pipeline-events 5000]

Both sinks get the same ready-made catalogue events (a mix of conversation.started,
message.sent, conversation.first_response and feedback.rating_given) in batches of ``--batch``
(``CHINWAG_ANALYTICS_BATCH``), through their ``track_batch`` as the delivery job calls it:
chinwag-analytics writes its counters to SQLite, chinwag-elasticsearch sends one ``_bulk`` per
batch to osmem-server (an in-memory OpenSearch-API engine on 127.0.0.1, requirements-dev.txt),
so its figure is the plugin's own cost, HTTP on loopback and that engine's indexing, not a real
cluster's rate; a third row sends the same batches to a loopback server that answers every
``_bulk`` at once without indexing (the plugin's own cost and HTTP alone). The pipeline in front of every sink is bench_analytics.py's figure. See
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from chinwag_plugin_api import AnalyticsEvent

from chinwag.testing import configure_plugin, enable_plugin, make_app, plugin_context


def make_events(n: int) -> list[AnalyticsEvent]:
    start = datetime.now(UTC) - timedelta(days=7)
    out: list[AnalyticsEvent] = []
    for i in range(n):
        cid, vid = i // 10 + 1, i // 10 + 1
        when = start + timedelta(seconds=i)
        kind = i % 10
        if kind == 0:
            name, props = "conversation.started", {"conversation_id": cid}
        elif kind == 2:
            name = "conversation.first_response"
            props = {"conversation_id": cid, "author_kind": "bot", "seconds": 1.5}
        elif kind == 9:
            name = "feedback.rating_given"
            props = {
                "rating_id": i,
                "conversation_id": cid,
                "message_id": i,
                "value": "up",
                "author_kind": "bot",
                "has_comment": False,
            }
        else:
            name = "message.sent"
            props = {
                "conversation_id": cid,
                "author_kind": "visitor" if kind % 2 else "bot",
                "seq": kind,
            }
        out.append(AnalyticsEvent(name, 1, vid, props, when, f"{vid:032x}"))
    return out


def start_search_server() -> tuple[subprocess.Popen[str], str]:
    from osmem_server import resolve_binary

    proc = subprocess.Popen(
        [resolve_binary(), "-addr", "127.0.0.1:0", "-no-ja", "-no-stdin-watch"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, str(json.loads(proc.stdout.readline())["url"])


@contextmanager
def instant_server() -> Iterator[str]:
    """A loopback server that acknowledges every ``_bulk`` item at once (nothing is indexed)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            items = [{"index": {"status": 201}}] * (body.count(b"\n") // 2)
            data = json.dumps({"errors": False, "items": items}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_PUT = do_POST = do_GET = do_any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def rate(app: Any, plugin: str, entry: str, events: list[AnalyticsEvent], batch: int) -> float:
    record = app.extensions["chinwag"].plugins.records[plugin]
    sink = record.named[("chinwag.analytics", entry)]
    with app.app_context():
        ctx = plugin_context(app, plugin)
        started = time.perf_counter()
        for i in range(0, len(events), batch):
            sink.track_batch(ctx, events[i : i + batch])
        return len(events) / (time.perf_counter() - started)


def through_pipeline(app: Any, plugin: str, url: str, n: int) -> float:
    """``n`` committed messages of one visitor through the whole pipeline to ``plugin`` alone."""
    from chinwag_plugin_api.events import MessageStored, StoredMessage

    from chinwag.actions.analytics import collect, flush
    from chinwag.extensions import db
    from chinwag.models import Visitor
    from chinwag.testing import create_site

    for name in ("chinwag-analytics", "chinwag-elasticsearch"):
        enable_plugin(app, name, name == plugin)
    site = create_site(app, f"bench {plugin}", (f"https://{plugin}.example",))
    with app.app_context():
        visitor = Visitor(site_id=site["id"])
        db.session.add(visitor)
        db.session.commit()
        vid = visitor.id
    now = datetime.now(UTC)
    made = [
        MessageStored(
            site["id"],
            conversation_id=10**6 + vid,
            visitor_id=vid,
            message=StoredMessage(i, 10**6 + vid, i + 1, None, "visitor", None, "hi", (), {}, now),
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    with app.app_context():
        for stored in made:
            collect(stored)
        flush()
    app.extensions["chinwag"].jobs.run_pending(max_jobs=10**6)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--pipeline-events", type=int, default=5000)
    args = parser.parse_args()
    events = make_events(args.events)
    proc, url = start_search_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # production re-reads plugin state every second (tests: on every call)
            app = make_app(Path(tmp), CHINWAG_JOBS_URL="memory", CHINWAG_PLUGIN_REFRESH_SECONDS=1.0)
            enable_plugin(app, "chinwag-analytics")
            enable_plugin(app, "chinwag-elasticsearch")
            configure_plugin(app, "chinwag-elasticsearch", url=url)
            first_party = rate(app, "chinwag-analytics", "analytics", events, args.batch)
            es = rate(app, "chinwag-elasticsearch", "elasticsearch", events, args.batch)
            with instant_server() as instant:
                configure_plugin(app, "chinwag-elasticsearch", url=instant)
                bare = rate(app, "chinwag-elasticsearch", "elasticsearch", events, args.batch)
            configure_plugin(app, "chinwag-elasticsearch", url=url)
            n = args.pipeline_events
            app.config.update(CHINWAG_ANALYTICS_BUFFER=n * 2, CHINWAG_ANALYTICS_BATCH=args.batch)
            piped = {
                p: through_pipeline(app, p, url, n)
                for p in ("chinwag-analytics", "chinwag-elasticsearch")
            }
        requests.post(f"{url}/chinwag-events-*/_refresh", timeout=30)
        count = requests.get(f"{url}/chinwag-events-*/_count", timeout=30).json()["count"]
        # every piped message is one message.sent
        assert count == args.events + args.pipeline_events, (count, args.events)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"{args.events} events in batches of {args.batch}, SQLite")
    print(f"{'sink':<60} {'events/s':>10}")
    print(
        f"{'baseline: chinwag-analytics (first-party, SQLite counters)':<60} {first_party:>10,.0f}"
    )
    print(f"{'chinwag-elasticsearch (_bulk to osmem-server on loopback)':<60} {es:>10,.0f}")
    print(f"{'chinwag-elasticsearch (_bulk to a server that answers at once)':<60} {bare:>10,.0f}")
    print(
        f"\nthrough the whole pipeline, {args.pipeline_events} message.stored events, one sink on"
    )
    for plugin, value in piped.items():
        label = plugin + (" (baseline)" if plugin == "chinwag-analytics" else "")
        print(f"{label:<60} {value:>10,.0f}")


if __name__ == "__main__":
    main()

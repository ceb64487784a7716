"""Chat while the retention job deletes: a visitor's message-ack latency on a real ``chinwag run``
(gevent, SQLite, loopback) with no retention running (baseline) and while a separate process runs
a retention pass over thousands of expired conversations, in the same run.

SQLite is the harder case: one writer at a time across processes, so a long delete transaction
would stall every ack. Retention deletes in batches of 100, one short transaction each.

Usage: python bench/retention/bench_retention.py [CONVERSATIONS] (default 3000, 3 messages each).
Prints p50/p95/max ack latency (ms) of both phases and the load average."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import socketio
import sqlalchemy as sa

from chinwag.testing import TEST_LIMITS, LiveServer, free_port, run_cli

CONVERSATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
BASELINE_MESSAGES = 150
MAX_MESSAGES = 3000  # bound of the measured phase, whatever the retention pass takes

RETENTION = """
from chinwag.app import create_app
from chinwag import retention
import time
app = create_app()
with app.app_context():
    start = time.perf_counter()
    done = retention.run_all()
    print(json_dumps := __import__("json").dumps(
        {"seconds": time.perf_counter() - start, "done": {str(k): v for k, v in done.items()}}))
"""


def seed(db_url: str, site_id: int) -> None:
    """Expired conversations (100 days idle) with 3 messages each, and the site's 30-day window."""
    engine = sa.create_engine(db_url)
    old = datetime.now(UTC) - timedelta(days=100)
    meta = sa.MetaData()
    meta.reflect(engine, only=["visitors", "conversations", "messages", "retention_policies"])
    t = meta.tables
    with engine.begin() as conn:
        conn.execute(
            sa.insert(t["visitors"]),
            [
                {
                    "id": 10_000 + i,
                    "site_id": site_id,
                    "verified": False,
                    "attributes": {},
                    "created_at": old,
                    "last_seen_at": datetime.now(UTC),
                }
                for i in range(CONVERSATIONS)
            ],
        )
        conn.execute(
            sa.insert(t["conversations"]),
            [
                {
                    "id": 10_000 + i,
                    "site_id": site_id,
                    "visitor_id": 10_000 + i,
                    "status": "open",
                    "last_seq": 3,
                    "visitor_read_seq": 0,
                    "agent_read_seq": 0,
                    "created_at": old,
                    "updated_at": old,
                }
                for i in range(CONVERSATIONS)
            ],
        )
        conn.execute(
            sa.insert(t["messages"]),
            [
                {
                    "conversation_id": 10_000 + i,
                    "seq": s,
                    "sender": f"visitor:{10_000 + i}",
                    "author_kind": "visitor",
                    "text": "an old message " * 4,
                    "blocks": [],
                    "annotations": {},
                    "created_at": old,
                }
                for i in range(CONVERSATIONS)
                for s in (1, 2, 3)
            ],
        )
        conn.execute(
            sa.insert(t["retention_policies"]),
            [
                {
                    "site_id": site_id,
                    "conversation_days": 30,
                    "visitor_inactive_days": None,
                    "updated_at": datetime.now(UTC),
                }
            ],
        )
    engine.dispose()


def ack_ms(sock: socketio.SimpleClient, n: int) -> float:
    start = time.perf_counter()
    ack = sock.call("message.send", {"client_msg_id": f"b{n}", "text": f"hello {n}"}, timeout=60)
    assert ack["ok"], ack
    return (time.perf_counter() - start) * 1000


def figures(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"{statistics.median(samples):>8.1f}{q[94]:>8.1f}{max(samples):>9.1f}{len(samples):>7}"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-retention-") as tmp:
        inst = Path(tmp)
        port = free_port()
        db_url = f"sqlite:///{inst}/chinwag.db"
        env = {
            **os.environ,
            "CHINWAG_INSTANCE_PATH": str(inst),
            "CHINWAG_DATABASE_URL": db_url,
            "CHINWAG_ASYNC_MODE": "gevent",
            "CHINWAG_SECRET_KEY": "bench-secret-key-long-enough-for-hs256",
            "CHINWAG_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "CHINWAG_JOBS_IN_PROCESS": "false",  # the measured pass is the only retention run
            "CHINWAG_RATE_LIMIT_MESSAGES": "1000000",
            **TEST_LIMITS,
        }
        run_cli(env, "db", "upgrade")
        origin = f"http://127.0.0.1:{port}"
        site = json.loads(
            run_cli(env, "sites", "create", "--name", "b", "--origin", origin, "--json").stdout
        )
        seed(db_url, site["id"])
        server = LiveServer(env, port, inst / "server.log").start()
        try:
            s = requests.post(
                f"{server.url}/api/v1/widget/session",
                json={"site_key": site["site_key"]},
                headers={"Origin": origin},
                timeout=10,
            ).json()
            sock = socketio.SimpleClient()
            sock.connect(
                server.url,
                namespace="/widget",
                transports=["websocket"],
                headers={"Origin": origin},
                auth={"site_key": site["site_key"], "visitor_token": s["visitor_token"]},
            )
            for n in range(10):  # warm-up (opens the conversation)
                ack_ms(sock, -1 - n)
            baseline = [ack_ms(sock, n) for n in range(BASELINE_MESSAGES)]
            job = subprocess.Popen(
                [sys.executable, "-c", RETENTION], env=env, stdout=subprocess.PIPE, text=True
            )
            during = []
            while job.poll() is None and len(during) < MAX_MESSAGES:
                during.append(ack_ms(sock, 100_000 + len(during)))
            out, _ = job.communicate(timeout=600)
            sock.disconnect()
        finally:
            server.stop()
        result = json.loads(out.strip().splitlines()[-1])
        load = os.getloadavg()
        print(f"retention vs chat, SQLite, gevent, loopback; {CONVERSATIONS} expired conversations")
        print(
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (machine shared with other jobs)"
        )
        print(f"retention pass: {result['seconds']:.1f} s, deleted {result['done']}")
        print(f"{'message ack latency (ms)':<34}{'p50':>8}{'p95':>8}{'max':>9}{'n':>7}")
        print(f"{'baseline: no retention running':<34}{figures(baseline)}")
        print(f"{'while retention runs':<34}{figures(during)}")


if __name__ == "__main__":
    main()

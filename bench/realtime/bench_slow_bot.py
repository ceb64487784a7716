"""A visitor's ack latency with and without a responder that sleeps 200 ms, in the same run.

    .venv/bin/python bench/realtime/bench_slow_bot.py [--visitors 20] [--messages 20]

One ``chinwag run`` (gevent, SQLite) with a throwaway plugin whose responder sleeps 200 ms before
answering every visitor message. The same visitors send the same paced messages twice: with the
plugin disabled (the baseline), then enabled. Reported: ack p50/p99 of each phase, and how many bot
answers arrived. Responders run after the ack, off the socket's reader (docs/architecture.md), so
the two phases should match. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import requests
import socketio

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "realtime"))

from realtime_helpers import new_visitor, prepare_server  # noqa: E402

from chinwag.testing import run_cli  # noqa: E402

PLUGIN = "chinwag-bench-slowbot"
SLEEP_S = 0.2


def write_plugin(site_dir: Path) -> None:
    """A distribution on ``site_dir`` (put on the server's PYTHONPATH): a 200 ms responder."""
    pkg = site_dir / "chinwag_bench_slowbot"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            f"""
            import time

            from chinwag_plugin_api import Reply, Responder


            class SlowBot(Responder):
                def respond(self, ctx, conversation, message):
                    time.sleep({SLEEP_S})
                    return Reply(text="slow bot: " + message.text)
            """
        )
    )
    info = site_dir / "chinwag_bench_slowbot-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: chinwag-bench-slowbot\nVersion: 0.1.0\n"
        "Summary: bench: a responder that sleeps 200 ms\n"
        "Requires-Dist: chinwag-plugin-api>=1.0,<2\n"
    )
    (info / "entry_points.txt").write_text(
        "[chinwag.responders]\nslowbot = chinwag_bench_slowbot:SlowBot\n"
    )
    (info / "RECORD").write_text("")


def visitor_client(server: Any) -> tuple[socketio.Client, list[float]]:
    site = server.extra["site"]
    session = new_visitor(server)
    bot_answers: list[float] = []
    client = socketio.Client()

    @client.on("message.new", namespace="/widget")
    def on_new(data: dict[str, Any]) -> None:
        if data["message"]["author_kind"] == "bot":
            bot_answers.append(time.perf_counter())

    client.connect(
        server.url,
        namespaces=["/widget"],
        transports=["websocket"],
        headers={"Origin": server.url},
        auth={"site_key": site["site_key"], "visitor_token": session["visitor_token"]},
    )
    return client, bot_answers


def phase(server: Any, label: str, visitors: int, messages: int, gap: float) -> dict[str, Any]:
    clients = [visitor_client(server) for _ in range(visitors)]
    latencies: list[float] = []
    failures: list[Any] = []
    lock = threading.Lock()

    def run(i: int, client: socketio.Client) -> None:
        conversation = None
        for n in range(messages):
            payload: dict[str, Any] = {"client_msg_id": f"{label}-{i}-{n}", "text": f"m{n}"}
            if conversation is not None:
                payload["conversation_id"] = conversation
            started = time.perf_counter()
            ack = client.call("message.send", payload, namespace="/widget", timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if not ack or not ack.get("ok"):
                    failures.append(ack)
                else:
                    latencies.append(elapsed)
                    conversation = ack["message"]["conversation_id"]
            time.sleep(gap)

    threads = [threading.Thread(target=run, args=(i, c)) for i, (c, _) in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(SLEEP_S * 2 + 1)  # the last answers
    answers = sum(len(a) for _, a in clients)
    for client, _ in clients:
        client.disconnect()
    q = statistics.quantiles(latencies, n=100)
    return {
        "phase": label,
        "acks": len(latencies),
        "failed": len(failures),
        "p50_ms": statistics.median(latencies),
        "p99_ms": q[98],
        "bot_answers": answers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between a visitor's sends")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site_dir = Path(tmp) / "site"
        write_plugin(site_dir)
        server = prepare_server(Path(tmp) / "inst", PYTHONPATH=str(site_dir))
        run_cli(server.env, "plugins", "disable", PLUGIN)
        server.start(timeout=180)
        try:
            requests.get(f"{server.url}/healthz", timeout=10).raise_for_status()
            rows = [phase(server, "no-bot", args.visitors, args.messages, args.gap)]
            run_cli(server.env, "plugins", "enable", PLUGIN)
            time.sleep(1.5)  # every process re-reads plugin state within CHINWAG_PLUGIN_REFRESH
            rows.append(phase(server, "slow-bot", args.visitors, args.messages, args.gap))
        finally:
            server.stop()
    print(
        f"visitor ack latency, {args.visitors} visitors x {args.messages} messages "
        f"every {args.gap:.2f} s, responder sleeping {SLEEP_S * 1000:.0f} ms, same run:"
    )
    print("| phase | acks | failed | ack p50 ms | ack p99 ms | bot answers |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['phase']} | {r['acks']} | {r['failed']} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['bot_answers']} |"
        )


if __name__ == "__main__":
    main()

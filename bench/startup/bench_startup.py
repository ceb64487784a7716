"""Start-up and plugin discovery time with 1, 10 and 50 installed plugins.

Each plugin is a real installed distribution (dist-info with entry points in every Chinwag
namespace it uses) in a private site directory on PYTHONPATH. Each figure is the median of
several fresh processes, printed beside a baseline from the same run: a bare Flask +
Flask-SocketIO app built the same way.

    .venv/bin/python bench/startup/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

MEASURE = textwrap.dedent(
    """
    import json, os, time
    t0 = time.perf_counter()
    if os.environ.get("BENCH_BARE"):
        from flask import Flask
        from flask_socketio import SocketIO
        app = Flask("bare")
        SocketIO(app, async_mode="threading")
        t1 = t2 = time.perf_counter()
    else:
        from chinwag.plugins.discovery import find_distributions
        from chinwag.plugins.host import PluginHost
        t1 = time.perf_counter()
        host = PluginHost(found=find_distributions())
        t2 = time.perf_counter()
        from chinwag.app import create_app
        create_app({"CHINWAG_ASYNC_MODE": "threading"})
    t3 = time.perf_counter()
    print(json.dumps({"import": t1 - t0, "discovery": t2 - t1, "create_app": t3 - t2, "total": t3 - t0}))
    """
)


def make_plugins(root: Path, count: int) -> None:
    """Write ``count`` installed plugin distributions into ``root``."""
    for i in range(count):
        name = f"chinwag_benchplugin_{i}"
        pkg = root / name
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text(
            "from chinwag_plugin_api import InboundProcessor, PluginInfo\n"
            f"INFO = PluginInfo(display_name='Bench {i}')\n"
            "class Proc(InboundProcessor):\n"
            "    def process(self, ctx, draft):\n"
            "        return draft\n"
        )
        dist = root / f"{name}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: chinwag-benchplugin-{i}\nVersion: 1.0\n"
            "Summary: benchmark plugin\nRequires-Dist: chinwag-plugin-api<2,>=1.0\n"
        )
        (dist / "entry_points.txt").write_text(
            f"[chinwag.plugins]\nbench{i} = {name}:INFO\n\n[chinwag.inbound]\nbench{i} = {name}:Proc\n"
        )
        (dist / "RECORD").write_text("")


def measure(env: dict[str, str], runs: int) -> dict[str, float]:
    samples: list[dict[str, float]] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", MEASURE],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def time_to_healthy(env: dict[str, str], port: int) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "chinwag", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    return time.perf_counter() - started
            except OSError:
                if time.perf_counter() - started > 60:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.02)
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base_env = {**os.environ, "CHINWAG_INSTANCE_PATH": tmp, "CHINWAG_SECRET_KEY": "x" * 48}
        bare = measure({**base_env, "BENCH_BARE": "1"}, args.runs)
        subprocess.run(
            [sys.executable, "-m", "chinwag", "db", "upgrade"],
            env=base_env,
            check=True,
            capture_output=True,
        )
        for count in (1, 10, 50):
            site = Path(tmp) / f"site{count}"
            make_plugins(site, count)
            env = {**base_env, "PYTHONPATH": str(site)}
            m = measure(env, args.runs)
            port = 5600 + count
            healthy = statistics.median(
                time_to_healthy(env, port) for _ in range(max(1, args.runs // 2))
            )
            rows.append((count, m, healthy))
    print(
        f"baseline: bare Flask + Flask-SocketIO app: {bare['total'] * 1000:.0f} ms (median of {args.runs})"
    )
    print(
        f"{'plugins':>8} {'discovery ms':>13} {'create_app ms':>14} {'import+all ms':>14} "
        f"{'run->healthz ms':>16} {'x bare':>7}"
    )
    for count, m, healthy in rows:
        print(
            f"{count:>8} {m['discovery'] * 1000:>13.1f} {m['create_app'] * 1000:>14.1f} "
            f"{m['total'] * 1000:>14.0f} {healthy * 1000:>16.0f} {m['total'] / bare['total']:>7.1f}"
        )


if __name__ == "__main__":
    main()

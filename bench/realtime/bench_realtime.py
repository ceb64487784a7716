"""Real-time delivery throughput of Chinwag beside bare Flask-SocketIO baselines (same run).

    .venv/bin/python bench/realtime/bench_realtime.py [--pairs 200] [--step-seconds 10]

Load: two load processes (loadgen.py, python-socketio AsyncClient over websocket) on loopback.
Each message is delivered to its visitor (the sender's room) and to an agent. The offered rate is
ramped (a warm-up, then ``--step-seconds`` measured per step); a step is sustained when the load
achieved the offered rate, p99 delivery latency <= 100 ms, nothing is missing and no ack failed.
Reported per configuration: the highest sustained rate, p50/p99 there, server CPU microseconds
per message (utime+stime of the server process(es) from /proc/<pid>/stat over the measured
seconds) and memory per idle connection (RSS delta / connections).

Configurations: bare re-emit, bare + Redis queue (two processes), naive persisted (one PostgreSQL
transaction per message), Chinwag on PostgreSQL, on SQLite, and on PostgreSQL + Redis in two
processes. Chinwag's ``/agent`` namespace is an inbox (an agent socket gets every message of the
sites its agent sees), so the Chinwag load has N visitors and one admin's socket; the baselines
have N visitor/agent room pairs. ``chinwag-teams`` is Chinwag on PostgreSQL with 50 agents over 10
sites (one team per site, five agents each, visitors spread over the sites): each message reaches
its site's five agents only; its CPU per message is compared with ``chinwag-pg`` (one agent) at the
highest rate both sustained (target: within 1.2x). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from loadgen import worker_main  # noqa: E402

from chinwag.testing import (  # noqa: E402
    TEST_LIMITS,
    LiveServer,
    free_port,
    fresh_postgres_database,
    run_cli,
)

REDIS_URL = os.environ.get("CHINWAG_TEST_REDIS", "redis://127.0.0.1:6379/0")
PG_ADMIN_DSN = os.environ.get("CHINWAG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CLK_TCK = os.sysconf("SC_CLK_TCK")
P99_LIMIT_MS = 100.0
WORKERS = 2
#: plugins switched off in every Chinwag configuration (``--disable-plugins``): isolates what a
#: default-on plugin costs the send path
DISABLED_PLUGINS: list[str] = []


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def store_pids() -> list[int]:
    """PostgreSQL's and Redis's processes (they share this machine's cores with the server)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() in ("postgres", "redis-server"):
                pids.append(int(comm.parent.name))
    return pids


def busy_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):  # a backend that exited meanwhile
            total += cpu_seconds(pid)
    return total


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/healthz", timeout=1).ok:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


# -- servers ------------------------------------------------------------------------------------


@dataclass
class Servers:
    """The server processes of one configuration: their pids and URLs, and how to stop them."""

    urls: list[str]
    pids: list[int]
    stop: Callable[[], None]
    extra: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def baseline(mode: str, processes: int = 1) -> Iterator[Servers]:
    procs: list[subprocess.Popen[bytes]] = []
    urls = []
    channel = f"bench-rt-{uuid.uuid4().hex[:8]}"
    with contextlib.ExitStack() as stack:
        dsn = None
        if mode == "naive":
            url = stack.enter_context(fresh_postgres_database())
            dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        for _ in range(processes):
            port = free_port()
            cmd = [sys.executable, str(HERE / "baseline_server.py"), "--mode", mode]
            cmd += ["--port", str(port), "--redis-url", REDIS_URL, "--channel", channel]
            if dsn:
                cmd += ["--pg-dsn", dsn]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
        try:
            for u, p in zip(urls, procs, strict=True):
                wait_healthy(u, p)
            yield Servers(urls, [p.pid for p in procs], lambda: None)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(10)


@contextlib.contextmanager
def chinwag(database: str, processes: int = 1, **env: str) -> Iterator[Servers]:
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-rt-")))
        db_url = (
            stack.enter_context(fresh_postgres_database())
            if database == "postgres"
            else f"sqlite:///{tmp}/chinwag.db"
        )
        ports = [free_port() for _ in range(processes)]
        servers = []
        for i, port in enumerate(ports):
            inst = tmp / f"instance-{i}"
            inst.mkdir()
            full = {
                **os.environ,
                "CHINWAG_INSTANCE_PATH": str(inst),
                "CHINWAG_DATABASE_URL": db_url,
                "CHINWAG_ASYNC_MODE": "gevent",
                "CHINWAG_SECRET_KEY": "bench-secret-key-that-is-long-enough-for-hs256",
                "CHINWAG_PUBLIC_URL": f"http://127.0.0.1:{port}",
                # the bench measures delivery, not the abuse limits
                "CHINWAG_RATE_LIMIT_MESSAGES": "1000000",
                **TEST_LIMITS,
                **env,
            }
            if processes > 1:
                full["CHINWAG_REDIS_URL"] = REDIS_URL
                full["CHINWAG_REDIS_CHANNEL"] = f"bench-rt-{uuid.uuid4().hex[:8]}"
            servers.append(LiveServer(full, port, inst / "server.log"))
        if processes > 1:  # one channel for the processes of one deployment
            for s in servers[1:]:
                s.env["CHINWAG_REDIS_CHANNEL"] = servers[0].env["CHINWAG_REDIS_CHANNEL"]
        first = servers[0].env
        run_cli(first, "db", "upgrade")
        run_cli(first, "users", "create", "--email", "bench@example.com", "--password",
                "bench-password", "--role", "admin")  # fmt: skip
        origins = []
        for s in servers:
            origins += ["--origin", s.url]
        import json

        site = json.loads(
            run_cli(first, "sites", "create", "--name", "Bench", *origins, "--json").stdout
        )
        for name in DISABLED_PLUGINS:
            run_cli(first, "plugins", "disable", name)
        try:
            for s in servers:
                s.start(timeout=60)
            yield Servers(
                [s.url for s in servers],
                [s.proc.pid for s in servers if s.proc],
                lambda: None,
                {"site": site},
            )
        finally:
            for s in servers:
                s.stop()


# -- connections --------------------------------------------------------------------------------


def baseline_conns(servers: Servers, pairs: int) -> list[list[dict[str, Any]]]:
    """Room pairs: the visitor on the first process, its agent on the last (Redis crosses)."""
    out: list[list[dict[str, Any]]] = [[] for _ in range(WORKERS)]
    v_url, a_url = servers.urls[0], servers.urls[-1]
    for i in range(pairs):
        room = {"room": f"r{i}"}
        w = out[i % WORKERS]
        w.append({"role": "v", "url": v_url, "namespace": "/", "auth": room, "origin": v_url})
        w.append({"role": "a", "url": a_url, "namespace": "/", "auth": room, "origin": a_url})
    return out


def chinwag_conns(servers: Servers, pairs: int) -> list[list[dict[str, Any]]]:
    """N visitors (sessions made over REST) on the first process; one agent on the last."""
    site = servers.extra["site"]
    v_url, a_url = servers.urls[0], servers.urls[-1]
    http = requests.Session()
    res = http.post(
        f"{a_url}/api/v1/auth/login",
        json={"email": "bench@example.com", "password": "bench-password"},
        timeout=30,
    )
    res.raise_for_status()
    token = res.json()["access_token"]
    out: list[list[dict[str, Any]]] = [[] for _ in range(WORKERS)]
    out[0].append(
        {
            "role": "a",
            "url": a_url,
            "namespace": "/agent",
            "auth": {"token": token},
            "origin": a_url,
        }
    )
    for i in range(pairs):
        res = http.post(
            f"{v_url}/api/v1/widget/session",
            json={"site_key": site["site_key"]},
            headers={"Origin": v_url},
            timeout=30,
        )
        res.raise_for_status()
        auth = {"site_key": site["site_key"], "visitor_token": res.json()["visitor_token"]}
        out[i % WORKERS].append(
            {"role": "v", "url": v_url, "namespace": "/widget", "auth": auth, "origin": v_url}
        )
    return out


TEAM_SITES = 10
TEAM_AGENTS = 50


def chinwag_teams_conns(servers: Servers, pairs: int) -> list[list[dict[str, Any]]]:
    """50 agents over 10 sites: a team per site with five agents; visitors spread over the
    sites (sessions made over REST) on the first process, agents on the last."""
    first = servers.extra["site"]
    v_url, a_url = servers.urls[0], servers.urls[-1]
    http = requests.Session()
    res = http.post(
        f"{a_url}/api/v1/auth/login",
        json={"email": "bench@example.com", "password": "bench-password"},
        timeout=30,
    )
    res.raise_for_status()
    admin = {"Authorization": f"Bearer {res.json()['access_token']}"}
    sites = [first]
    for i in range(1, TEAM_SITES):
        res = http.post(
            f"{a_url}/api/v1/sites",
            json={"name": f"Bench {i}", "allowed_origins": servers.urls},
            headers=admin,
            timeout=30,
        )
        res.raise_for_status()
        sites.append(res.json())
    members: list[list[int]] = [[] for _ in sites]
    tokens = []
    for j in range(TEAM_AGENTS):
        email, password = f"agent-{j}@example.com", "bench-agent-password"
        res = http.post(
            f"{a_url}/api/v1/users",
            json={"email": email, "password": password, "role": "agent"},
            headers=admin,
            timeout=30,
        )
        res.raise_for_status()
        members[j % len(sites)].append(res.json()["id"])
        res = http.post(
            f"{a_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30
        )
        res.raise_for_status()
        tokens.append(res.json()["access_token"])
    for i, site in enumerate(sites):
        res = http.post(
            f"{a_url}/api/v1/teams",
            json={"name": f"Team {i}", "site_ids": [site["id"]], "user_ids": members[i]},
            headers=admin,
            timeout=30,
        )
        res.raise_for_status()
    out: list[list[dict[str, Any]]] = [[] for _ in range(WORKERS)]
    for j, token in enumerate(tokens):
        out[j % WORKERS].append(
            {"role": "a", "url": a_url, "namespace": "/agent", "auth": {"token": token},
             "origin": a_url}
        )  # fmt: skip
    for i in range(pairs):
        site = sites[i % len(sites)]
        res = http.post(
            f"{v_url}/api/v1/widget/session",
            json={"site_key": site["site_key"]},
            headers={"Origin": v_url},
            timeout=30,
        )
        res.raise_for_status()
        auth = {"site_key": site["site_key"], "visitor_token": res.json()["visitor_token"]}
        out[i % WORKERS].append(
            {"role": "v", "url": v_url, "namespace": "/widget", "auth": auth, "origin": v_url}
        )
    return out


class Load:
    """The two load processes."""

    def __init__(self, chinwag: bool, conns: list[list[dict[str, Any]]]) -> None:
        ctx = mp.get_context("spawn")
        self.pipes = []
        self.procs = []
        self.sizes = [len(c) for c in conns]
        for wid, mine in enumerate(conns):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=worker_main, args=(child, wid, chinwag, mine), daemon=True)
            p.start()
            self.pipes.append(parent)
            self.procs.append(p)

    def all(self, cmd: str, per_worker: list[tuple[Any, ...]] | None = None) -> list[Any]:
        for i, pipe in enumerate(self.pipes):
            pipe.send((cmd, per_worker[i] if per_worker else ()))
        results = []
        for pipe in self.pipes:
            status, result = pipe.recv()
            if status != "ok":
                raise RuntimeError(f"load process failed on {cmd}: {result}")
            results.append(result)
        return results

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.all("quit")
        for p in self.procs:
            p.join(10)
            if p.is_alive():
                p.kill()


# -- one configuration --------------------------------------------------------------------------


@dataclass
class Step:
    offered: float
    achieved: float
    p50: float
    p99: float
    missing: int
    errors: dict[str, int]
    cpu_us: float
    #: cores used by the server process(es) and by the two load processes during the step
    server_busy: float = 0.0
    client_busy: float = 0.0
    #: cores used by PostgreSQL and Redis during the step
    store_busy: float = 0.0

    @property
    def sustained(self) -> bool:
        return (
            self.achieved >= 0.95 * self.offered
            and self.p99 <= P99_LIMIT_MS
            and self.missing == 0
            and not self.errors
        )


@dataclass
class Result:
    name: str
    processes: int
    mem_per_conn: float
    steps: list[Step] = field(default_factory=list)

    @property
    def best(self) -> Step | None:
        ok = [s for s in self.steps if s.sustained]
        return max(ok, key=lambda s: s.offered) if ok else None


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("inf")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run_step(
    load: Load, pids: list[int], step_id: int, rate: float, args: Any, receivers: int = 2
) -> Step:
    per = [(step_id, rate / WORKERS, args.warmup, args.step_seconds)] * WORKERS
    clients = [p.pid for p in load.procs if p.pid]
    cpu0 = sum(cpu_seconds(p) for p in pids)
    client0 = sum(cpu_seconds(p) for p in clients)
    stores = store_pids()
    store0 = busy_seconds(stores)
    sent_parts = load.all("step", per)
    cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    client_cpu = sum(cpu_seconds(p) for p in clients) - client0
    store_cpu = busy_seconds(stores) - store0
    sent = [k for part in sent_parts for k in part["sent"]]
    # every delivery counts, so a message seen by several agents counts once per agent socket
    expected = receivers * len(sent)  # its visitor and its agents
    # wait for the stragglers: until all arrived or nothing new for 2 s (at most 15 s)
    last, last_change, deadline = -1, time.monotonic(), time.monotonic() + 15
    while time.monotonic() < deadline:
        got = sum(load.all("count", [(step_id,)] * WORKERS))
        if got >= expected:
            break
        if got != last:
            last, last_change = got, time.monotonic()
        elif time.monotonic() - last_change > 2:
            break
        time.sleep(0.2)
    parts = load.all("collect", [(step_id,)] * WORKERS)
    seen: set[tuple[str, str]] = set()
    latencies = []
    for part in parts:
        for key, role, ms in part["received"]:
            if (key, role) not in seen:
                seen.add((key, role))
                latencies.append(ms)
    wanted = {(k, r) for k in sent for r in ("v", "a")}
    lost = sorted(wanted - seen)
    missing = len(lost)
    if lost:  # name a few, so a loss can be traced in the server's log
        print(f"    missing (key, role): {lost[:6]}", flush=True)
    errors: dict[str, int] = {}
    for part in parts:
        for code, n in part["errors"].items():
            errors[code] = errors.get(code, 0) + n
    # CPU over the whole step (warm-up included) divided by every message sent in it
    total_msgs = max(1.0, rate * (args.warmup + args.step_seconds))
    return Step(
        offered=rate,
        achieved=sum(p["achieved"] for p in sent_parts),
        p50=statistics.median(latencies) if latencies else float("inf"),
        p99=pct(latencies, 0.99),
        missing=missing,
        errors=errors,
        cpu_us=cpu / total_msgs * 1e6,
        server_busy=cpu / (args.warmup + args.step_seconds),
        client_busy=client_cpu / (args.warmup + args.step_seconds),
        store_busy=store_cpu / (args.warmup + args.step_seconds),
    )


def measure(
    name: str,
    servers: Servers,
    chinwag_path: bool,
    pairs: int,
    args: Any,
    make_conns: Callable[[Servers, int], list[list[dict[str, Any]]]] | None = None,
    receivers: int = 2,
) -> Result:
    make_conns = make_conns or (chinwag_conns if chinwag_path else baseline_conns)
    conns = make_conns(servers, pairs)
    load = Load(chinwag_path, conns)
    try:
        load.all("connect", [(0, 1)] * WORKERS)  # warm each process's first socket path
        time.sleep(1)
        rss0 = sum(rss_bytes(p) for p in servers.pids)
        counts = load.all("connect", [(1, n) for n in load.sizes])
        time.sleep(3)
        rss1 = sum(rss_bytes(p) for p in servers.pids)
        result = Result(name, len(servers.pids), (rss1 - rss0) / max(1, sum(counts)))
        load.all("open")
        if args.profile:
            return profile(name, load, servers, args, result)
        rate, step_id, last_ok, first_fail = args.start_rate, 1, None, None
        retries_left = args.retries
        while rate <= args.max_rate:
            step = run_step(load, servers.pids, step_id, rate, args, receivers)
            result.steps.append(step)
            print(f"  {name:<28} {fmt_step(step)}", flush=True)
            step_id += 1
            if not step.sustained and retries_left and not step.missing and not step.errors:
                # a latency-only failure may be another process on this shared machine: once
                retries_left -= 1
                time.sleep(2)
                step = run_step(load, servers.pids, step_id, rate, args, receivers)
                result.steps.append(step)
                print(f"  {name:<28} {fmt_step(step)} (retry)", flush=True)
                step_id += 1
            if not step.sustained:
                first_fail = rate
                break
            last_ok = rate
            rate = round(rate * args.factor, -1)
        if args.refine and last_ok and first_fail:
            mid = round((last_ok * first_fail) ** 0.5, -1)
            if last_ok < mid < first_fail:
                time.sleep(2)
                step = run_step(load, servers.pids, step_id, mid, args, receivers)
                result.steps.append(step)
                print(f"  {name:<28} {fmt_step(step)} (refine)", flush=True)
        return result
    finally:
        load.close()


def profile(name: str, load: Load, servers: Servers, args: Any, result: Result) -> Result:
    """One step at ``--profile-rate`` under py-spy; prints where the server's time goes."""
    out = Path(args.profile) / f"{name.split(',')[0].replace(' ', '-')}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(servers.pids[0]),
         "-d", str(int(args.warmup + args.step_seconds)), "-r", "250", "--format", "raw",
         "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    step = run_step(load, servers.pids, 1, args.profile_rate, args)
    spy.wait(60)
    result.steps.append(step)
    print(f"  {name:<28} {fmt_step(step)} (profiled)", flush=True)
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        for f in set(frames):
            inclusive[f] = inclusive.get(f, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    for title, table in (("inclusive", inclusive), ("self", own)):
        print(f"  top {title} ({total} samples):")
        for f, n in sorted(table.items(), key=lambda kv: -kv[1])[:40]:
            print(f"    {100 * n / total:5.1f}%  {f}")
    return result


def fmt_step(s: Step) -> str:
    err = f" errors={s.errors}" if s.errors else ""
    return (
        f"offered {s.offered:>7.0f}/s achieved {s.achieved:>7.0f}/s p50 {s.p50:>6.1f} ms "
        f"p99 {s.p99:>7.1f} ms missing {s.missing:>5} cpu {s.cpu_us:>5.0f} us/msg "
        f"server {s.server_busy:.2f} load {s.client_busy:.2f} db {s.store_busy:.2f} cores "
        f"{'ok' if s.sustained else 'FAIL'}{err}"
    )


# -- main ---------------------------------------------------------------------------------------

CONFIGS: dict[str, tuple[str, bool, Callable[[], Any]]] = {
    "bare": ("bare re-emit, 1 proc", False, lambda: baseline("bare")),
    "bare-redis": ("bare + Redis, 2 procs", False, lambda: baseline("redis", 2)),
    "naive-pg": ("naive PostgreSQL, 1 proc", False, lambda: baseline("naive")),
    "chinwag-pg": ("Chinwag PostgreSQL, 1 proc", True, lambda: chinwag("postgres")),
    "chinwag-sqlite": ("Chinwag SQLite, 1 proc", True, lambda: chinwag("sqlite")),
    "chinwag-redis": ("Chinwag PG + Redis, 2 procs", True, lambda: chinwag("postgres", 2)),
    "chinwag-teams": ("Chinwag PG, 50 agents/10 sites", True, lambda: chinwag("postgres")),
}
#: configurations whose connections are not the default ones
CONNS = {"chinwag-teams": chinwag_teams_conns}
# sockets that get each message: its visitor and every agent of its site's team
RECEIVERS = {"chinwag-teams": 1 + TEAM_AGENTS // TEAM_SITES}
#: CPU per message compared at the highest rate both sustained: (config, reference, limit)
CPU_TARGETS = (("chinwag-teams", "chinwag-pg", 1.2),)
RATIO_TO = {
    "naive-pg": "bare",
    "chinwag-pg": "bare",
    "chinwag-sqlite": "bare",
    "chinwag-redis": "bare-redis",
}
TARGETS = {"chinwag-pg": 0.5, "chinwag-sqlite": 0.4, "chinwag-redis": 0.5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--start-rate", type=float, default=300.0)
    parser.add_argument("--factor", type=float, default=1.4)
    parser.add_argument("--max-rate", type=float, default=20000.0)
    parser.add_argument("--retries", type=int, default=1, help="re-runs of a latency failure")
    parser.add_argument("--no-refine", dest="refine", action="store_false")
    parser.add_argument("--profile", help="folder: profile one step per config with py-spy")
    parser.add_argument("--profile-rate", type=float, default=400.0)
    parser.add_argument("--only", default=",".join(CONFIGS), help="comma-separated configs")
    parser.add_argument(
        "--disable-plugins", default="", help="comma-separated plugins to switch off"
    )
    args = parser.parse_args()
    DISABLED_PLUGINS.extend(n for n in args.disable_plugins.split(",") if n)

    started = time.monotonic()
    print(
        f"bench/realtime: {args.pairs} room pairs, {WORKERS} load processes, "
        f"{args.step_seconds:.0f} s per step after {args.warmup:.0f} s warm-up, "
        f"p99 limit {P99_LIMIT_MS:.0f} ms, {time.strftime('%Y-%m-%d')}",
        flush=True,
    )
    results: dict[str, Result] = {}
    for key in args.only.split(","):
        label, chinwag_path, make = CONFIGS[key]
        with make() as servers:
            results[key] = measure(
                label, servers, chinwag_path, args.pairs, args, CONNS.get(key),
                RECEIVERS.get(key, 2),
            )  # fmt: skip
    report(results)
    print(f"\nwhole run {time.monotonic() - started:.0f} s", flush=True)


def report(results: dict[str, Result]) -> None:
    print(
        "\n| configuration | sustained msgs/s | p50 ms | p99 ms | CPU µs/msg | msgs/s per core | "
        "KB per idle conn | ratio | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for key, r in results.items():
        best = r.best
        rate = best.offered if best else 0
        ratio = ""
        target = ""
        base = results.get(RATIO_TO.get(key, ""))
        if base and base.best and key in RATIO_TO:
            value = rate / base.best.offered
            ratio = f"{value:.2f}x {RATIO_TO[key]}"
            if key in TARGETS:
                target = f">= {TARGETS[key]}x: {'met' if value >= TARGETS[key] else 'NOT met'}"
        mem = r.mem_per_conn / 1024
        if key.startswith("chinwag") and "bare" in results:
            bare_mem = results["bare"].mem_per_conn
            mem_ratio = r.mem_per_conn / bare_mem if bare_mem else 0
            target += f"; mem {mem_ratio:.2f}x bare"
        print(
            f"| {r.name} | {rate:.0f} | {best.p50 if best else 0:.1f} | "
            f"{best.p99 if best else 0:.1f} | {best.cpu_us if best else 0:.0f} | "
            f"{1e6 / best.cpu_us if best else 0:.0f} | {mem:.0f} | "
            f"{ratio} | {target} |"
        )
    for key, ref, limit in CPU_TARGETS:
        if key not in results or ref not in results:
            continue
        ours = {s.offered: s for s in results[key].steps if s.sustained}
        theirs = {s.offered: s for s in results[ref].steps if s.sustained}
        shared = sorted(set(ours) & set(theirs))
        if not shared:
            print(f"\n{key}: no rate sustained by both it and {ref}")
            continue
        rate = shared[-1]
        value = ours[rate].cpu_us / theirs[rate].cpu_us
        print(
            f"\n{key}: {ours[rate].cpu_us:.0f} µs/msg vs {ref} {theirs[rate].cpu_us:.0f} µs/msg "
            f"at {rate:.0f} msgs/s: {value:.2f}x (target <= {limit}x: "
            f"{'met' if value <= limit else 'NOT met'})"
        )


if __name__ == "__main__":
    main()

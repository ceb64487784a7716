"""CPU per message of the send path, in-process, beside a baseline tree measured in the same run.

    .venv/bin/python bench/realtime/bench_ack_cpu.py --baseline /work/wt/perf12-base \\
        [--baseline-python /work/wt/perf12-base/.venv/bin/python] [--messages 400] [--rounds 3] \\
        [--database postgres] [--redis] [--concurrent]

The machine this project runs on is shared and loaded, so wall-clock latency says more about the
neighbours than about Chinwag. This bench counts CPU instead (``time.process_time()``: every
thread of the process, none of the database server's): one process per tree and case builds an
app (``chinwag.testing.make_app``: SQLite file or a fresh PostgreSQL database, the built-in
plugins in their default state), connects real Socket.IO sessions through Flask-SocketIO's test
client (the server's own handlers, rooms and packet encoding, no network), lets every visitor open
a conversation (not measured), then measures ``message.send`` -> validate -> processors -> store
-> fan-out -> ack for ``--messages`` follow-ups spread over the visitors, plus the event bus's
after-the-ack subscribers (analytics, responders) until it is idle.

``--redis``: the app is one process of a Redis deployment (rate limits in Redis, every emit
published; PostgreSQL). ``--concurrent``: each visitor sends from a greenlet of its own, so
concurrent senders share batches (group commit, re-send check, rate limits, analytics facts) as
under real load; without it every message is its own batch.

Cases:

* ``visitor, 1 agent``: 20 visitors on one site, one admin socket (every message: an ack, a
  frame to its visitor and one to the agent);
* ``visitor, 50 agents/10 sites``: the ``chinwag-teams`` case of ``bench_realtime.py``: 10 sites,
  a team per site with 5 of 50 agents, visitors spread over the sites. On a tree without teams
  (before scoping) the 50 agents are unscoped and every one gets every message;
* ``agent reply``: the admin answers each visitor (an agent's message: the visitor's copy names
  the agent's public profile).

The baseline's process and the current tree's run at the same time (both see the same
machine), ``--rounds`` times; the median is reported. ``--profile DIR`` writes a cProfile of
each measured window (greenlets make its cumulative times unreliable: py-spy on a worker is the
better tool). Bounded: about 40 s of CPU in all; 2.5-4 minutes of wall clock at load 10-16 on
the shared 2-core machine (mostly start-up waiting for a core), under a minute when quiet. See
docs/performance.md.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
CASES = ("visitor-1", "visitor-50", "agent-reply")
LABELS = {
    "visitor-1": "visitor, 1 agent",
    "visitor-50": "visitor, 50 agents/10 sites",
    "agent-reply": "agent reply, 1 agent",
}
VISITORS = 20
TEAM_SITES = 10
TEAM_AGENTS = 50
ORIGIN = "https://shop.example"
REDIS_URL = os.environ.get("CHINWAG_TEST_REDIS", "redis://127.0.0.1:6379/0")


# -- the worker: one tree, every case, in its own process --------------------------------------


def _visitor(client: Any, site: dict[str, Any]) -> str:
    res = client.post(
        "/api/v1/widget/session", json={"site_key": site["site_key"]}, headers={"Origin": ORIGIN}
    )
    assert res.status_code == 200, res.get_json()
    return str(res.get_json()["visitor_token"])


def _agents(app: Any, client: Any, sites: list[dict[str, Any]], admin: str) -> list[str]:
    """50 agents; with teams (the current tree), a team per site with five of them."""
    from chinwag.testing import create_user, login

    members: list[list[int]] = [[] for _ in sites]
    tokens = []
    for j in range(TEAM_AGENTS):
        email = f"agent-{j}@example.com"
        members[j % len(sites)].append(create_user(app, email, "bench-agent-password", "agent"))
        tokens.append(login(client, email, "bench-agent-password"))
    for i, site in enumerate(sites):
        res = client.post(
            "/api/v1/teams",
            json={"name": f"Team {i}", "site_ids": [site["id"]], "user_ids": members[i]},
            headers={"Authorization": f"Bearer {admin}"},
        )
        if res.status_code == 404:  # a tree before teams: every agent sees every site
            break
        assert res.status_code in (200, 201), res.get_json()
    return tokens


def _measure(
    case: str,
    messages: int,
    bus: Any,
    agents: list[Any],
    visitors: list[Any],
    profile: str | None,
    concurrent: bool = False,
) -> dict[str, Any]:
    """Each visitor opens a conversation (not measured), then ``messages`` follow-ups (or the
    first agent's replies) are sent round-robin and counted until the bus is idle."""
    conversations = []
    for i, v in enumerate(visitors):
        ack = v.emit(
            "message.send",
            {"client_msg_id": f"{case}-open-{i}", "text": "hello"},
            namespace="/widget",
            callback=True,
        )
        assert ack["ok"], ack
        conversations.append(ack["message"]["conversation_id"])
    bus.wait_idle(30)

    def drain() -> int:
        got = sum(len(sock.get_received("/agent")) for sock in agents)
        return got + sum(len(sock.get_received("/widget")) for sock in visitors)

    drain()
    prof = cProfile.Profile() if profile else None
    frames = failed = 0
    wall = time.perf_counter()
    cpu = time.process_time()
    if prof:
        prof.enable()

    def send(n: int) -> bool:
        """Send follow-up ``n``; True if its ack failed."""
        i = n % len(visitors)
        body = {
            "conversation_id": conversations[i],
            "client_msg_id": f"{case}-{n}",
            "text": f"message {n} about my order",
        }
        if case == "agent-reply":
            ack = agents[0].emit("message.send", body, namespace="/agent", callback=True)
        else:
            ack = visitors[i].emit("message.send", body, namespace="/widget", callback=True)
        return not (ack and ack.get("ok"))

    if concurrent and case != "agent-reply":
        import gevent

        # every visitor sends its share from a greenlet of its own, as the server's socket
        # readers do: senders that arrive together share a batch (group commit, re-send
        # check, rate limits on Redis, analytics facts) as they do under real load
        senders = [
            gevent.spawn(lambda i: sum(send(n) for n in range(i, messages, len(visitors))), i)
            for i in range(len(visitors))
        ]
        gevent.joinall(senders)
        failed = sum(int(g.get()) for g in senders)
    else:
        for n in range(messages):
            failed += send(n)
            if n % len(visitors) == len(visitors) - 1:
                frames += drain()
    bus.wait_idle(60)
    if prof:
        prof.disable()
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    frames += drain()
    if prof and profile:
        prof.dump_stats(f"{profile}-{case}.prof")
    return {
        "case": case,
        "messages": messages,
        "failed": failed,
        "frames": frames,
        "cpu_us": cpu / messages * 1e6,
        "wall_us": wall / messages * 1e6,
    }


def worker(
    cases: list[str],
    messages: int,
    database: str,
    profile: str | None,
    redis: bool = False,
    concurrent: bool = False,
) -> list[dict[str, Any]]:
    """One app for every case (start-up dominates a run on a loaded machine): the one-agent
    cases first with the admin's socket only, then 50 agents join for ``visitor-50``."""
    from chinwag.state import state
    from chinwag.testing import (
        create_site,
        create_user,
        dispose,
        fresh_postgres_database,
        login,
        make_app,
    )

    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        url = stack.enter_context(fresh_postgres_database()) if database == "postgres" else None
        shared = {}
        if redis:  # one process of a Redis deployment: shared limits, every emit published
            shared = {
                "CHINWAG_REDIS_URL": REDIS_URL,
                "CHINWAG_REDIS_CHANNEL": f"bench-ack-{os.getpid()}-{time.time_ns()}",
            }
        app = make_app(
            Path(tmp),
            url,
            CHINWAG_ASYNC_MODE="gevent",  # as ``chinwag run``: the bus's workers are greenlets
            CHINWAG_RATE_LIMIT_MESSAGES=10**9,
            CHINWAG_PLUGIN_REFRESH_SECONDS=1.0,  # the default (tests re-read on every call)
            **shared,
        )
        stack.callback(dispose, app)
        client = app.test_client()
        create_user(app, "admin@example.com", "bench-admin-password", "admin")
        admin = login(client, "admin@example.com", "bench-admin-password")
        sites = [create_site(app, f"Bench {i}", (ORIGIN,)) for i in range(TEAM_SITES)]
        server = state(app).server()
        bus = state(app).bus
        if redis:
            import flask_socketio.test_client as socketio_test_client

            # the test client refuses a message queue (its sockets are in this process only,
            # which suits this bench: it measures the sending process) and initialises the
            # manager once per client (a listener each): once is enough
            socketio_test_client.PubSubManager = ()  # type: ignore[attr-defined]
            manager = server.server.manager
            initialize, started = manager.initialize, []

            def once() -> None:
                if not started:
                    started.append(True)
                    initialize()

            manager.initialize = once

        def connect(namespace: str, auth: dict[str, Any], origin: str) -> Any:
            sock = server.test_client(
                app, namespace=namespace, auth=auth, headers={"Origin": origin}
            )
            assert sock.is_connected(namespace), namespace
            return sock

        def visitors(on: list[dict[str, Any]]) -> list[Any]:
            out = []
            for i in range(VISITORS):
                site = on[i % len(on)]
                auth = {"site_key": site["site_key"], "visitor_token": _visitor(client, site)}
                out.append(connect("/widget", auth, ORIGIN))
            return out

        admin_socket = connect("/agent", {"token": admin}, "http://localhost")
        results = []
        for case in [c for c in cases if c != "visitor-50"]:
            got = _measure(
                case, messages, bus, [admin_socket], visitors(sites[:1]), profile, concurrent
            )
            results.append(got)
        if "visitor-50" in cases:
            admin_socket.disconnect(namespace="/agent")
            tokens = _agents(app, client, sites, admin)
            agents = [connect("/agent", {"token": t}, "http://localhost") for t in tokens]
            got = _measure(
                "visitor-50", messages, bus, agents, visitors(sites), profile, concurrent
            )
            results.append(got)
        return results


# -- the driver: both trees, side by side --------------------------------------------------


def start(python: str, tree: Path, args: argparse.Namespace, profile: str | None) -> Any:
    cmd = [python, str(HERE), "--worker", args.cases, "--messages", str(args.messages)]
    cmd += ["--database", args.database]
    if args.redis:
        cmd += ["--redis"]
    if args.concurrent:
        cmd += ["--concurrent"]
    if profile:
        cmd += ["--profile-file", profile]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        cmd, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def collect(proc: Any, tree: Path) -> list[dict[str, Any]]:
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        sys.stderr.write(err[-4000:])
        raise SystemExit(f"the worker in {tree} failed ({proc.returncode})")
    return list(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", type=Path, help="a worktree of the baseline commit")
    parser.add_argument("--baseline-python", help="its interpreter (default: its .venv)")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument(
        "--redis", action="store_true", help="as one process of a Redis deployment (PG + Redis)"
    )
    parser.add_argument(
        "--concurrent", action="store_true", help="each visitor sends from its own greenlet"
    )
    parser.add_argument("--profile", type=Path, help="write a cProfile per run into this folder")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--profile-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        from gevent import monkey

        monkey.patch_all()  # before the app's imports, as ``chinwag run`` does
        cases = args.worker.split(",")
        found = worker(
            cases, args.messages, args.database, args.profile_file, args.redis, args.concurrent
        )
        print(json.dumps(found))
        return
    current = HERE.parents[2]
    trees: list[tuple[str, Path, str]] = []
    if args.baseline:
        base = args.baseline.resolve()
        python = args.baseline_python or str(base / ".venv" / "bin" / "python")
        trees.append(("baseline", base, python))
    trees.append(("current", current, sys.executable))
    cases = [c for c in args.cases.split(",") if c in CASES]
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    started = time.monotonic()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    for r in range(args.rounds):
        # the trees run at the same time, so both see the same machine
        procs = []
        for label, tree, python in trees:
            prof = str(args.profile / f"{label}-{r}") if args.profile else None
            procs.append((label, tree, start(python, tree, args, prof)))
        for label, tree, proc in procs:
            for res in collect(proc, tree):
                results.setdefault((label, res["case"]), []).append(res)
                print(
                    f"  round {r + 1} {label:8} {res['case']:11} {res['cpu_us']:7.0f} µs CPU/msg "
                    f"({res['failed']} failed, {res['frames']} frames)",
                    file=sys.stderr,
                )
    print(
        f"\nCPU per message (µs, median of {args.rounds}; {args.messages} messages per run, "
        f"{args.database}{' + Redis' if args.redis else ''}"
        f"{', concurrent senders' if args.concurrent else ''}, load average {os.getloadavg()[0]:.1f}, "
        f"{time.monotonic() - started:.0f} s):\n"
    )
    names = [t[0] for t in trees]
    head = " | ".join(f"{n} µs/msg" for n in names)
    extra = " | current / baseline" if args.baseline else ""
    print(f"| case | {head}{extra} |")
    print("|---|" + "---:|" * (len(names) + (1 if args.baseline else 0)))
    med = {k: statistics.median(r["cpu_us"] for r in v) for k, v in results.items()}
    for case in cases:
        cells = " | ".join(f"{med[(n, case)]:,.0f}" for n in names)
        ratio = (
            f" | {med[('current', case)] / med[('baseline', case)]:.2f}x" if args.baseline else ""
        )
        print(f"| {LABELS[case]} | {cells}{ratio} |")
    if "visitor-1" in cases and "visitor-50" in cases:
        print()
        for n in names:
            ratio = med[(n, "visitor-50")] / med[(n, "visitor-1")]
            print(f"{n}: 50 agents/10 sites = {ratio:.2f}x the one-agent case (target <= 1.2x)")


if __name__ == "__main__":
    main()

"""The attack-plan cases of issue 21 that need more than a test run (docs/security.md): a
reconnect storm after a server crash, and Redis killed and restarted mid-stream. Loopback only,
bounded in count and time; prints the figures. Usage and a recorded run: README.md.

    .venv/bin/python bench/attack/bench_attack.py [--sockets 2000] [--visitors 40] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import requests
import socketio

from chinwag.testing import TEST_LIMITS, LiveServer, free_port, run_cli

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def prepare(root: Path, name: str, port: int | None = None, **env: str) -> LiveServer:
    """A migrated ``chinwag run`` (gevent) with an admin and a site, like the tests' live_server."""
    inst = root / name
    inst.mkdir()
    port = port or free_port()
    full = {
        **os.environ,
        "CHINWAG_INSTANCE_PATH": str(inst),
        "CHINWAG_DATABASE_URL": f"sqlite:///{inst}/chinwag.db",
        "CHINWAG_SECRET_KEY": "attack-run-secret-key-long-enough-for-hs256",
        "CHINWAG_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CHINWAG_RATE_LIMIT_SITE_SESSIONS": "1000000",
        "CHINWAG_RATE_LIMIT_MESSAGES": "1000",
        **TEST_LIMITS,
        **env,
    }
    server = LiveServer(full, port, inst / "server.log")
    run_cli(full, "db", "upgrade")
    with contextlib.suppress(AssertionError):  # a second process on the same database
        run_cli(
            full,
            "users",
            "create",
            "--email",
            "admin@example.com",
            "--password",
            "correct horse battery",
            "--role",
            "admin",
        )
    return server.start()


def make_site(server: LiveServer, origin: str) -> dict[str, Any]:
    out = run_cli(server.env, "sites", "create", "--name", "Attack", "--origin", origin, "--json")
    site: dict[str, Any] = json.loads(out.stdout)
    return site


def admin_token(url: str) -> str:
    res = requests.post(
        f"{url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=30,
    )
    token: str = res.json()["access_token"]
    return token


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Visitor:
    """One widget visitor: its token, its conversation and the last seq it has seen."""

    def __init__(self, url: str, site: dict[str, Any], token: str) -> None:
        self.url, self.site, self.token = url, site, token
        self.client: socketio.AsyncClient | None = None
        self.conversation_id: int | None = None
        self.last_seq = 0
        self.live: set[str] = set()

    async def connect(self) -> None:
        client = self.client = socketio.AsyncClient(reconnection=False)
        client.on("message.new", self._on_new, namespace="/widget")
        try:
            await client.connect(
                self.url,
                namespaces=["/widget"],
                transports=["websocket"],
                headers={"Origin": self.url},
                auth={"site_key": self.site["site_key"], "visitor_token": self.token},
                wait_timeout=60,
            )
        except BaseException:
            await self.close()  # only a connected client counts (and is synced)
            raise

    async def reconnect(self, deadline: float) -> int:
        """Reconnect as the widget's socket.io-client does after a dropped connection: wait a
        back-off of 1 s doubling up to 5 s, each randomised by +/-50 % (its ``Backoff``), give
        an attempt 20 s (its ``timeout``), until connected or ``deadline``. Returns attempts."""
        attempts = 0
        while True:
            wait = min(1.0 * 2**attempts, 5.0) * (1 + 0.5 * (2 * random.random() - 1))
            if time.monotonic() + wait >= deadline:
                raise TimeoutError(f"not reconnected after {attempts} attempts")
            await asyncio.sleep(wait)
            attempts += 1
            try:
                await asyncio.wait_for(self.connect(), min(20.0, deadline - time.monotonic()))
            except (TimeoutError, socketio.exceptions.ConnectionError):
                await self.close()
                continue
            return attempts

    async def _on_new(self, data: Any) -> None:
        self.live.add(data["message"]["client_msg_id"] or str(data["message"]["id"]))

    async def send(self, cmid: str, timeout: float = 30) -> dict[str, Any]:
        assert self.client is not None
        payload: dict[str, Any] = {"client_msg_id": cmid, "text": f"{cmid} text"}
        if self.conversation_id:
            payload["conversation_id"] = self.conversation_id
        ack: dict[str, Any] = await self.client.call(
            "message.send", payload, namespace="/widget", timeout=timeout
        )
        if ack.get("ok"):
            self.conversation_id = ack["message"]["conversation_id"]
            self.last_seq = max(self.last_seq, ack["message"]["seq"])
        return ack

    async def sync(self) -> list[dict[str, Any]]:
        """Everything after ``last_seq``, following ``resync_required`` pages."""
        assert self.client is not None
        got: list[dict[str, Any]] = []
        while True:
            res = await self.client.call(
                "conversation.sync",
                {"conversation_id": self.conversation_id, "after_seq": self.last_seq},
                namespace="/widget",
                timeout=60,
            )
            if not res.get("ok"):
                raise RuntimeError(res)
            got += res["messages"]
            if res["messages"]:
                self.last_seq = max(m["seq"] for m in res["messages"])
            if not res["resync_required"]:
                return got

    async def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.disconnect()
        self.client = None


async def _gather_bounded(coros: list[Any], limit: int) -> list[Any]:
    sem = asyncio.Semaphore(limit)

    async def one(c: Any) -> Any:
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros), return_exceptions=True)


def _kinds(results: list[Any]) -> Counter[str]:
    """Outcomes by kind: ``ok`` or the exception's type and message (first 80 characters)."""
    return Counter(
        "ok" if not isinstance(r, BaseException) else f"{type(r).__name__}: {str(r)[:80]}"
        for r in results
    )


async def reconnect_storm(
    root: Path, sockets: int, budget: float, single: bool = False, backlog: int | None = None
) -> dict[str, Any]:
    """``sockets`` visitors each send a message; the server is killed (SIGKILL) and started
    again; an agent answers every conversation; then every visitor reconnects as the widget
    does (randomised back-off, ``single``: one attempt each, all at once) and catches up with
    ``conversation.sync``. ``backlog``: the server's ``CHINWAG_LISTEN_BACKLOG``."""
    env = {} if backlog is None else {"CHINWAG_LISTEN_BACKLOG": str(backlog)}
    server = prepare(root, "storm", **env)
    site = make_site(server, server.url)
    http = requests.Session()
    tokens = [
        http.post(
            f"{server.url}/api/v1/widget/session", json={"site_key": site["site_key"]}, timeout=30
        ).json()["visitor_token"]
        for _ in range(sockets)
    ]
    visitors = [Visitor(server.url, site, t) for t in tokens]
    first = _kinds(await _gather_bounded([v.connect() for v in visitors], 50))
    sent = _kinds(await _gather_bounded([v.send(f"v{i}-1") for i, v in enumerate(visitors)], 50))
    rss_before = rss_mb(server.proc.pid) if server.proc else 0.0
    server.stop(kill=True)  # a crash: no goodbye to any socket
    for v in visitors:  # the client side of the dropped sockets
        await v.close()
    server.start()
    agent = socketio.AsyncClient(reconnection=False)
    await agent.connect(
        server.url,
        namespaces=["/agent"],
        transports=["websocket"],
        headers={"Origin": server.url},
        auth={"token": admin_token(server.url)},
    )
    replies = 0
    for i, v in enumerate(visitors):
        if v.conversation_id is None:
            continue
        ack = await agent.call(
            "message.send",
            {"conversation_id": v.conversation_id, "client_msg_id": f"a{i}", "text": "missed"},
            namespace="/agent",
            timeout=30,
        )
        replies += bool(ack.get("ok"))
    # the storm: every visitor at once (single) or as the widget retries, within the budget
    t0 = time.monotonic()
    storm = await asyncio.wait_for(
        asyncio.gather(
            *(v.connect() if single else v.reconnect(t0 + budget / 2) for v in visitors),
            return_exceptions=True,
        ),
        budget,
    )
    t_connected = time.monotonic() - t0
    attempts = Counter(r for r in storm if isinstance(r, int))
    synced = await asyncio.wait_for(
        _gather_bounded([v.sync() for v in visitors if v.client is not None], 200), budget
    )
    t_synced = time.monotonic() - t0
    caught_up = sum(
        1
        for r in synced
        if not isinstance(r, BaseException) and any(m.get("text") == "missed" for m in r)
    )
    sync_outcomes = _kinds(synced)
    alive = server.proc is not None and server.proc.poll() is None
    health = requests.get(f"{server.url}/healthz", timeout=30).status_code
    result = {
        "sockets": sockets,
        "first_connect": dict(first),
        "first_send": dict(sent),
        "agent_replies_after_restart": replies,
        "client": "single attempt, all at once" if single else "widget back-off",
        "listen_backlog": backlog or "default",
        "reconnect": dict(_kinds([r if isinstance(r, BaseException) else None for r in storm])),
        "attempts": dict(sorted(attempts.items())),
        "all_reconnected_s": round(t_connected, 2),
        "sync": dict(sync_outcomes),
        "caught_up": caught_up,
        "all_synced_s": round(t_synced, 2),
        "server_alive": alive,
        "healthz": health,
        "server_rss_mb_before_crash": round(rss_before, 1),
        "server_rss_mb_after_storm": round(rss_mb(server.proc.pid), 1)
        if alive and server.proc
        else None,
    }
    for v in visitors:
        await v.close()
    await agent.disconnect()
    server.stop()
    return result


def start_redis(port: int, root: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            __import__("socket").create_connection(("127.0.0.1", port), 0.5),
        ):
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


async def redis_restart(root: Path, n_visitors: int, seconds: float) -> dict[str, Any]:
    """Two processes on PostgreSQL + Redis: visitors on A send all along, an agent listens on
    B; Redis is killed (SIGKILL) a third of the way in and started again 3 s later. Every
    acknowledged message must be stored; live delivery must resume."""
    import psycopg

    dbname = f"chinwag_attack_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{dbname}"')
    rport = free_port()
    redis = start_redis(rport, root)
    env = {
        "CHINWAG_DATABASE_URL": f"{PG}/{dbname}",
        "CHINWAG_REDIS_URL": f"redis://127.0.0.1:{rport}/0",
    }
    a = prepare(root, "a", **env)
    b = prepare(root, "b", **env)
    try:
        site = make_site(a, a.url)
        http = requests.Session()
        visitors = [
            Visitor(
                a.url,
                site,
                http.post(
                    f"{a.url}/api/v1/widget/session",
                    json={"site_key": site["site_key"]},
                    timeout=30,
                ).json()["visitor_token"],
            )
            for _ in range(n_visitors)
        ]
        await _gather_bounded([v.connect() for v in visitors], 50)
        agent = socketio.AsyncClient(reconnection=False)
        live_at_b: set[str] = set()

        async def on_new(data: Any) -> None:
            live_at_b.add(data["message"]["client_msg_id"] or "")

        agent.on("message.new", on_new, namespace="/agent")
        await agent.connect(
            b.url,
            namespaces=["/agent"],
            transports=["websocket"],
            headers={"Origin": b.url},
            auth={"token": admin_token(b.url)},
        )
        acked: dict[str, int] = {}  # client_msg_id -> conversation
        refused: Counter[str] = Counter()
        stop = time.monotonic() + seconds

        async def sender(i: int, v: Visitor) -> None:
            k = 0
            while time.monotonic() < stop:
                k += 1
                cmid = f"v{i}-{k}"
                try:
                    ack = await v.send(cmid, timeout=10)
                except Exception as exc:
                    refused[type(exc).__name__] += 1
                else:
                    if ack.get("ok"):
                        acked[cmid] = ack["message"]["conversation_id"]
                    else:
                        refused[ack.get("error", {}).get("code", "?")] += 1
                await asyncio.sleep(0.25)

        async def chaos() -> dict[str, float]:
            await asyncio.sleep(seconds / 3)
            killed_at = time.monotonic()
            redis.kill()
            redis.wait()
            await asyncio.sleep(3)
            nonlocal_redis.append(start_redis(rport, root))
            return {"down_s": round(time.monotonic() - killed_at, 2)}

        nonlocal_redis: list[subprocess.Popen[bytes]] = []
        results = await asyncio.gather(
            chaos(), *(sender(i, v) for i, v in enumerate(visitors)), return_exceptions=True
        )
        # after the run: a last message from every visitor must reach B live again
        await asyncio.sleep(2)
        tail = [f"v{i}-tail" for i in range(n_visitors)]
        tail_acks = await asyncio.gather(
            *(v.send(c) for v, c in zip(visitors, tail, strict=True)), return_exceptions=True
        )
        await asyncio.sleep(3)
        stored: set[str] = set()
        token = admin_token(b.url)
        for cid in sorted(set(acked.values())):
            res = requests.get(
                f"{b.url}/api/v1/conversations/{cid}/messages",
                headers={"Authorization": f"Bearer {token}"},
                params={"limit": 500},
                timeout=30,
            )
            body = res.json()
            items = body if isinstance(body, list) else body.get("messages") or body.get("items")
            stored |= {m.get("client_msg_id") for m in items or []}
        lost = sorted(set(acked) - stored)
        return {
            "visitors": n_visitors,
            "seconds": seconds,
            "redis": results[0] if isinstance(results[0], dict) else repr(results[0]),
            "acked": len(acked),
            "refused_or_failed": dict(refused),
            "acked_but_not_stored": len(lost),
            "acked_not_live_at_b": len(set(acked) - live_at_b),
            "tail_acked": sum(1 for r in tail_acks if isinstance(r, dict) and r.get("ok")),
            "tail_live_at_b": len(set(tail) & live_at_b),
            "processes_alive": [s.proc is not None and s.proc.poll() is None for s in (a, b)],
        }
    finally:
        for v in locals().get("visitors", []):
            await v.close()
        a.stop()
        b.stop()
        for p in [redis, *locals().get("nonlocal_redis", [])]:
            p.kill()
            p.wait()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=2000, help="reconnect storm sockets")
    parser.add_argument("--visitors", type=int, default=40, help="senders during the Redis restart")
    parser.add_argument("--seconds", type=float, default=20, help="length of the Redis run")
    parser.add_argument("--only", choices=["storm", "redis"], default=None)
    parser.add_argument(
        "--single-attempt",
        action="store_true",
        help="storm: one connect per socket, all at once (the run before the widget's back-off)",
    )
    parser.add_argument("--backlog", type=int, default=None, help="storm: CHINWAG_LISTEN_BACKLOG")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory(prefix="chinwag-attack-") as tmp:
        root = Path(tmp)
        if args.only in (None, "storm"):
            print(
                "reconnect storm:",
                json.dumps(
                    asyncio.run(
                        reconnect_storm(root, args.sockets, 300, args.single_attempt, args.backlog)
                    )
                ),
            )
        if args.only in (None, "redis"):
            out = asyncio.run(redis_restart(root, args.visitors, args.seconds))
            print("redis restart mid-stream:", json.dumps(out))


if __name__ == "__main__":
    main()

"""The ledger test: every acknowledged message is delivered exactly once and in order to every
participant, through random disconnects, an overload burst and a SIGKILL of one of two server
processes (PostgreSQL + Redis). Clients implement the protocol's seq rule and outbox (docs/protocol.md
§7); the test counts sent/acked/delivered/lost/duplicated/reordered and prints them."""

from __future__ import annotations

import contextlib
import itertools
import queue
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import socketio

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


@dataclass
class Participant:
    """A protocol client: seq rule per conversation, outbox re-sent with the same client_msg_id."""

    name: str
    url: str
    namespace: str
    auth: dict[str, Any]
    convs: set[int]
    last_seq: dict[int, int] = field(default_factory=dict)
    applied: dict[int, list[int]] = field(default_factory=dict)  # conv -> seqs in applied order
    outbox: dict[str, dict[str, Any]] = field(default_factory=dict)  # client_msg_id -> payload
    acked: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # -> (conv, seq, id)
    sent: int = 0
    inbox: queue.Queue[Any] = field(default_factory=queue.Queue)
    lock: threading.Lock = field(default_factory=threading.Lock)
    client: socketio.Client | None = None
    stop: bool = False
    counter: itertools.count[int] = field(default_factory=itertools.count)

    # -- connection ---------------------------------------------------------------------

    def connect(self) -> bool:
        client = socketio.Client(reconnection=False)
        client.on(
            "message.new",
            lambda data: self.inbox.put(("msg", data["message"])),
            namespace=self.namespace,
        )
        client.on(
            "disconnect", lambda *_: self.inbox.put(("down", client)), namespace=self.namespace
        )
        try:
            client.connect(
                self.url,
                namespaces=[self.namespace],
                auth=self.auth,
                transports=["websocket"],
                wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError:
            return False
        self.client = client
        self.inbox.put(("up", None))
        return True

    def drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.disconnect()

    def call(self, event: str, payload: dict[str, Any], timeout: float = 10) -> Any:
        client = self.client
        if client is None or not client.connected:
            return None
        try:
            return client.call(event, payload, namespace=self.namespace, timeout=timeout)
        except socketio.exceptions.SocketIOError:
            return None

    # -- the seq rule ---------------------------------------------------------------------

    def apply(self, m: dict[str, Any]) -> None:
        conv, seq = m["conversation_id"], m["seq"]
        if conv not in self.convs:
            return
        last = self.last_seq.get(conv, 0)
        if seq <= last:
            return  # duplicate: drop
        if seq == last + 1:
            self.last_seq[conv] = seq
            self.applied.setdefault(conv, []).append(seq)
            return
        self.sync(conv)  # a gap: fetch it

    def sync(self, conv: int) -> bool:
        while True:
            res = self.call(
                "conversation.sync",
                {"conversation_id": conv, "after_seq": self.last_seq.get(conv, 0)},
            )
            if not res or not res.get("ok"):
                return False
            for m in res["messages"]:
                if m["seq"] == self.last_seq.get(conv, 0) + 1:
                    self.last_seq[conv] = m["seq"]
                    self.applied.setdefault(conv, []).append(m["seq"])
            if not res["resync_required"]:
                return True

    # -- sending --------------------------------------------------------------------------

    def send(self, conv: int, wait: bool) -> None:
        cmid = f"{self.name}-{next(self.counter)}"
        payload = {"conversation_id": conv, "client_msg_id": cmid, "text": f"{cmid} text"}
        with self.lock:
            self.outbox[cmid] = payload
            self.sent += 1
        self._send(payload, wait)

    def _send(self, payload: dict[str, Any], wait: bool) -> None:
        client = self.client
        if client is None or not client.connected:
            return

        def on_ack(ack: Any) -> None:
            if isinstance(ack, dict) and ack.get("ok"):
                m = ack["message"]
                with self.lock:
                    self.outbox.pop(payload["client_msg_id"], None)
                    self.acked[payload["client_msg_id"]] = (m["conversation_id"], m["seq"], m["id"])
                self.inbox.put(("msg", m))

        if wait:
            on_ack(self.call("message.send", payload))
            return
        with contextlib.suppress(socketio.exceptions.SocketIOError):
            client.emit("message.send", payload, namespace=self.namespace, callback=on_ack)

    def resend_outbox(self) -> None:
        with self.lock:
            pending = list(self.outbox.values())
        for payload in pending:
            self._send(payload, wait=True)

    # -- the worker -----------------------------------------------------------------------

    def run(self) -> None:
        """Applies deliveries in arrival order; after each (re)connect: sync, then re-send."""
        while not self.stop or not self.inbox.empty():
            try:
                kind, data = self.inbox.get(timeout=0.2)
            except queue.Empty:
                if self.client is None and not self.stop:
                    self._reconnect()
                continue
            if kind == "msg":
                self.apply(data)
            elif kind == "down" and data is self.client:
                self.client = None
            elif kind == "up":
                for conv in sorted(self.convs):
                    self.sync(conv)
                self.resend_outbox()

    def _reconnect(self) -> None:
        if not self.connect():
            time.sleep(0.3)


def _session(url: str, site_key: str) -> str:
    res = requests.post(
        f"{url}/api/v1/widget/session",
        json={"site_key": site_key},
        headers={"Origin": url},
        timeout=10,
    )
    return str(res.json()["visitor_token"])


def run_ledger(vserver: Any, aserver: Any, kill: bool, steady_seconds: float = 6) -> None:
    """Visitors on ``vserver``, agents on ``aserver`` (may be the same); optionally SIGKILL and
    restart ``aserver`` mid-stream. Asserts the ledger and prints it."""
    site = vserver.extra["site"]
    rng = random.Random(8)

    # ten rooms: a visitor on the first process opens each conversation
    visitors = []
    for i in range(10):
        token = _session(vserver.url, site["site_key"])
        p = Participant(
            f"v{i}-{uuid.uuid4().hex[:4]}",
            vserver.url,
            "/widget",
            {"site_key": site["site_key"], "visitor_token": token},
            set(),
        )
        assert p.connect()
        opened = p.call("message.send", {"client_msg_id": f"{p.name}-open", "text": "hi"})
        conv = opened["message"]["conversation_id"]
        p.convs.add(conv)
        p.acked[f"{p.name}-open"] = (conv, 1, opened["message"]["id"])
        visitors.append(p)
    convs = {next(iter(v.convs)) for v in visitors}
    # two agents on the second process, each sees every conversation
    login = requests.post(
        f"{aserver.url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=10,
    ).json()["access_token"]
    agents = [
        Participant(
            f"a{i}-{uuid.uuid4().hex[:4]}", aserver.url, "/agent", {"token": login}, set(convs)
        )
        for i in range(2)
    ]
    everyone = visitors + agents
    for p in everyone:
        if p.client is None:
            assert p.connect()
        else:
            p.inbox.put(("up", None))
    workers = [threading.Thread(target=p.run, daemon=True) for p in everyone]
    for w in workers:
        w.start()

    def steady(seconds: float, rate: float) -> None:
        """Every participant sends at ``rate`` per second; random disconnects on the way."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            p = rng.choice(everyone)
            conv = rng.choice(sorted(p.convs))
            p.send(conv, wait=False)
            if rng.random() < 0.01:
                rng.choice(everyone).drop()
            time.sleep(1 / rate)

    steady(steady_seconds, 150)
    # the burst: everyone fires 150 messages without waiting for acks
    for p in everyone:
        for _ in range(150):
            p.send(rng.choice(sorted(p.convs)), wait=False)
    steady(steady_seconds / 2, 150)
    if kill:  # SIGKILL the agents' process mid-stream, keep sending, restart it on the same port
        aserver.stop(kill=True)
        steady(3, 150)
        aserver.start()
    steady(steady_seconds, 150)

    # drain: every outbox empties, then every participant syncs every conversation
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(p.outbox for p in everyone):
        for p in everyone:
            if p.outbox and p.client is not None:
                p.inbox.put(("up", None))
        time.sleep(1)
    for p in everyone:
        p.stop = True
    for w in workers:
        w.join(30)
    for p in everyone:
        if p.client is None:
            p.connect()
        for conv in p.convs:
            assert p.sync(conv)
        p.drop()

    # the ledger: what the server acknowledged, per conversation, in seq order
    acked: dict[int, dict[int, int]] = {c: {} for c in convs}
    for p in everyone:
        for conv, seq, mid in p.acked.values():
            assert acked[conv].setdefault(seq, mid) == mid  # one message per seq
    sent = sum(p.sent for p in everyone) + len(visitors)
    n_acked = sum(len(a) for a in acked.values())
    lost = duplicated = reordered = delivered = 0
    for p in everyone:
        for conv in p.convs:
            got = p.applied.get(conv, [])
            delivered += len(got)
            duplicated += len(got) - len(set(got))
            reordered += sum(1 for a, b in itertools.pairwise(got) if b != a + 1)
            lost += len(set(acked[conv]) - set(got))
    unacked = sum(len(p.outbox) for p in everyone)
    # the store holds each client_msg_id once: re-sends after reconnects were deduplicated
    stored = requests.get(
        f"{vserver.url}/api/v1/conversations",
        timeout=10,
        headers={"Authorization": f"Bearer {login}"},
    ).json()
    total_rows = sum(c["last_seq"] for c in stored if c["id"] in convs)
    print(
        f"\nledger: sent={sent} acked={n_acked} stored={total_rows} unacked={unacked} "
        f"delivered={delivered} lost={lost} duplicated={duplicated} reordered={reordered}"
    )
    assert unacked == 0
    assert n_acked == sent == total_rows
    assert lost == duplicated == reordered == 0


def test_ledger_two_processes_kill_and_burst(
    live_server: Any, pg_url: str, redis_url: str, redis_channel: str
) -> None:
    env = {"CHINWAG_REDIS_CHANNEL": redis_channel, "CHINWAG_RATE_LIMIT_MESSAGES": "1000000"}
    vserver = live_server(database_url=pg_url, redis_url=redis_url, **env)
    aserver = live_server(database_url=pg_url, redis_url=redis_url, **env)
    run_ledger(vserver, aserver, kill=True)


@pytest.mark.parametrize("async_mode", ["gevent", "eventlet"])
def test_ledger_smoke_one_process_on_sqlite(live_server: Any, async_mode: str) -> None:
    """The embedded default: SQLite, concurrent writers, no "database is locked"."""
    server = live_server(async_mode=async_mode, CHINWAG_RATE_LIMIT_MESSAGES="1000000")
    run_ledger(server, server, kill=False, steady_seconds=3)
    log = server.log_path.read_text()
    assert "database is locked" not in log and "Traceback" not in log

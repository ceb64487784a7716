"""One load-client process of bench/realtime: python-socketio AsyncClient, websocket transport.

The coordinator (bench_realtime.py) drives it over a multiprocessing pipe with small commands.
Every message carries ``step|phase|key|send-time`` in its text; any receiver on this machine
computes the delivery latency from it (one clock), so deliveries may be counted in another load
process than the sender's.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
import socketio


class _Json:
    """orjson for the client, so the load client spends as little CPU as it can."""

    @staticmethod
    def dumps(obj: Any, **_kw: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(s: str | bytes, **_kw: Any) -> Any:
        return orjson.loads(s)


@dataclass
class Conn:
    """One socket: ``role`` is ``v`` (visitor, sends) or ``a`` (agent, receives)."""

    role: str
    url: str
    namespace: str
    auth: dict[str, Any]
    origin: str
    client: Any = None
    conversation_id: int | None = None


@dataclass
class Worker:
    wid: int
    chinwag: bool
    conns: list[Conn]
    received: dict[int, list[tuple[str, str, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    acks: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seq: int = 0

    def _on_message(self, role: str) -> Any:
        received = self.received

        def handler(data: Any) -> None:
            now = time.time()
            text = data["message"]["text"]
            step, phase, key, sent = text.split("|")
            if phase == "m":
                received[int(step)].append((key, role, (now - float(sent)) * 1000.0))

        return handler

    async def connect(self, start: int, stop: int, concurrency: int = 40) -> int:
        sem = asyncio.Semaphore(concurrency)

        async def one(c: Conn) -> None:
            async with sem:
                client = socketio.AsyncClient(reconnection=False, json=_Json)
                client.on("message.new", self._on_message(c.role), namespace=c.namespace)
                await client.connect(
                    c.url,
                    namespaces=[c.namespace],
                    transports=["websocket"],
                    auth=c.auth,
                    headers={"Origin": c.origin},
                    wait_timeout=30,
                )
                c.client = client

        await asyncio.gather(*(one(c) for c in self.conns[start:stop]))
        return stop - start

    def senders(self) -> list[Conn]:
        return [c for c in self.conns if c.role == "v"]

    async def open(self) -> int:
        """Chinwag: every visitor opens its conversation with a first message."""
        if not self.chinwag:
            return 0

        async def one(c: Conn) -> None:
            ack = await c.client.call(
                "message.send",
                {"client_msg_id": f"open-{self.wid}-{id(c)}", "text": "0|w|open|0"},
                namespace=c.namespace,
                timeout=60,
            )
            if not ack.get("ok"):
                raise RuntimeError(f"opening message refused: {ack}")
            c.conversation_id = ack["message"]["conversation_id"]

        sem = asyncio.Semaphore(20)

        async def limited(c: Conn) -> None:
            async with sem:
                await one(c)

        await asyncio.gather(*(limited(c) for c in self.senders()))
        return len(self.senders())

    def _ack(self, ack: Any = None) -> None:
        if isinstance(ack, dict) and ack.get("ok"):
            self.acks["ok"] += 1
        else:
            code = (ack or {}).get("error", {}).get("code", "?") if isinstance(ack, dict) else "?"
            self.errors[code] += 1

    async def step(self, step: int, rate: float, warmup: float, duration: float) -> dict[str, Any]:
        """Send at ``rate`` msgs/s for ``warmup`` (not counted) then ``duration`` seconds."""
        senders = self.senders()
        sent_keys: list[str] = []
        t0 = time.monotonic()
        total = warmup + duration
        n = 0
        measured_started = measured_ended = 0.0
        while True:
            elapsed = time.monotonic() - t0
            if elapsed >= total:
                break
            due = int(elapsed * rate)
            phase = "m" if elapsed >= warmup else "w"
            if phase == "m" and not measured_started:
                measured_started = time.monotonic()
            while n < due:
                c = senders[n % len(senders)]
                self.seq += 1
                key = f"{self.wid}-{self.seq}"
                body: dict[str, Any] = {"text": f"{step}|{phase}|{key}|{time.time():.6f}"}
                if self.chinwag:
                    body["conversation_id"] = c.conversation_id
                    body["client_msg_id"] = key
                await c.client.emit("message.send", body, namespace=c.namespace, callback=self._ack)
                if phase == "m":
                    sent_keys.append(key)
                n += 1
            await asyncio.sleep(0.002)
        measured_ended = time.monotonic()
        span = measured_ended - measured_started if measured_started else 0.0
        return {"sent": sent_keys, "achieved": len(sent_keys) / span if span else 0.0}

    def count(self, step: int) -> int:
        return len(self.received.get(step, ()))

    async def close(self) -> None:
        await asyncio.gather(
            *(c.client.disconnect() for c in self.conns if c.client is not None),
            return_exceptions=True,
        )


def worker_main(pipe: Any, wid: int, chinwag: bool, conns: list[dict[str, Any]]) -> None:
    """Process entry: answer the coordinator's commands until ``quit``."""
    asyncio.run(_serve(pipe, Worker(wid, chinwag, [Conn(**c) for c in conns])))


async def _serve(pipe: Any, worker: Worker) -> None:
    loop = asyncio.get_running_loop()
    while True:
        cmd, args = await loop.run_in_executor(None, pipe.recv)
        try:
            if cmd == "connect":
                result: Any = await worker.connect(*args)
            elif cmd == "open":
                result = await worker.open()
            elif cmd == "step":
                result = await worker.step(*args)
            elif cmd == "count":
                result = worker.count(*args)
            elif cmd == "collect":
                result = {
                    "received": worker.received.pop(args[0], []),
                    "acks": dict(worker.acks),
                    "errors": dict(worker.errors),
                }
                worker.acks.clear()
                worker.errors.clear()
            elif cmd == "quit":
                await worker.close()
                pipe.send(("ok", None))
                return
            else:
                raise ValueError(cmd)
            pipe.send(("ok", result))
        except Exception as exc:  # report to the coordinator, which stops the run
            pipe.send(("error", repr(exc)))

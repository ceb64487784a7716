"""Two `chinwag run` processes on one PostgreSQL database and one Redis: idempotent sends raced
across processes, rooms shared through Redis, rate limits counted in Redis."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from realtime_helpers import (
    Sock,
    admin_token,
    agent_socket,
    new_visitor,
    prepare_server,
    visitor_socket,
    wait_for,
)

from chinwag.testing import LiveServer

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: Any) -> Iterator[tuple[LiveServer, LiveServer]]:
    from chinwag.testing import (
        REDIS_URL,
        _require,
        fresh_postgres_database,
        postgres_reachable,
        redis_reachable,
    )

    _require("PostgreSQL", postgres_reachable())
    _require("Redis", redis_reachable())
    import uuid

    env = {
        "CHINWAG_REDIS_URL": REDIS_URL,
        "CHINWAG_REDIS_CHANNEL": f"chinwag-test-{uuid.uuid4().hex[:8]}",
        "CHINWAG_RATE_LIMIT_MESSAGES": "25",
    }
    with fresh_postgres_database() as url:
        first = prepare_server(tmp_path_factory.mktemp("a"), CHINWAG_DATABASE_URL=url, **env)
        second = prepare_server(tmp_path_factory.mktemp("b"), CHINWAG_DATABASE_URL=url, **env)
        first.start()
        second.start()
        # both processes serve the first site, which allows both of their origins
        site = second.extra["site"] = first.extra["site"]
        res = requests.patch(
            f"{first.url}/api/v1/sites/{site['id']}",
            json={"allowed_origins": [first.url, second.url]},
            headers={"Authorization": f"Bearer {admin_token(first)}"},
            timeout=10,
        )
        assert res.status_code == 200, res.text
        yield first, second
        first.stop()
        second.stop()


def _race(socks: list[Sock], payload: dict[str, Any]) -> list[Any]:
    """Send the same payload on every socket at the same moment; the acks."""
    barrier = threading.Barrier(len(socks))
    acks: list[Any] = [None] * len(socks)

    def send(i: int) -> None:
        barrier.wait()
        acks[i] = socks[i].call("message.send", payload, timeout=30)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(socks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return acks


def _sockets(pair: tuple[LiveServer, LiveServer], session: dict[str, Any], n: int) -> list[Sock]:
    first, second = pair
    socks = [visitor_socket(srv, session) for srv in (first, second) * (n // 2)]
    assert all(s.client.connected for s in socks), [s.connect_error for s in socks]
    return socks


def _rows(server: LiveServer, session: dict[str, Any]) -> list[dict[str, Any]]:
    """Every message of every conversation of a visitor, over REST."""
    auth = {"Authorization": f"Visitor {session['visitor_token']}"}
    convs = requests.get(f"{server.url}/api/v1/conversations", headers=auth, timeout=10).json()
    rows = []
    for c in convs:
        rows += requests.get(
            f"{server.url}/api/v1/conversations/{c['id']}/messages", headers=auth, timeout=10
        ).json()["messages"]
    return rows


def test_opening_message_sent_20_times_at_once_opens_one_conversation(pair: Any) -> None:
    first, second = pair
    session = new_visitor(first)
    socks = _sockets(pair, session, 20)
    acks = _race(socks, {"client_msg_id": "open-1", "text": "hello"})
    assert all(a["ok"] for a in acks), acks
    assert len({a["message"]["id"] for a in acks}) == 1
    assert len({a["conversation"]["id"] for a in acks}) == 1
    rows = _rows(second, session)
    assert [(r["client_msg_id"], r["seq"]) for r in rows] == [("open-1", 1)]
    for s in socks:
        s.close()


def test_message_sent_20_times_at_once_is_stored_once(pair: Any) -> None:
    first, _second = pair
    session = new_visitor(first)
    socks = _sockets(pair, session, 20)
    opening = socks[0].call("message.send", {"client_msg_id": "first", "text": "hi"})
    conv_id = opening["message"]["conversation_id"]
    acks = _race(socks, {"conversation_id": conv_id, "client_msg_id": "dup", "text": "again"})
    assert all(a["ok"] for a in acks), acks
    assert len({(a["message"]["id"], a["message"]["seq"]) for a in acks}) == 1
    rows = _rows(first, session)
    assert [(r["client_msg_id"], r["seq"]) for r in rows] == [("first", 1), ("dup", 2)]
    # every socket of the visitor, on both processes, got message.new for each row exactly once
    for s in socks[:2]:
        wait_for(lambda s=s: len(s.received("message.new")) >= 2)
        assert [m["message"]["seq"] for m in s.received("message.new")] == [1, 2]
    for s in socks:
        s.close()


def test_agent_on_the_other_process_and_redis_rate_limits(pair: Any) -> None:
    first, second = pair
    agent = agent_socket(second, admin_token(second), origin=None)
    session = new_visitor(first)
    on_first = visitor_socket(first, session)
    on_second = visitor_socket(second, session)
    opened = on_second.call("message.send", {"client_msg_id": "m0", "text": "n0"})
    conv = opened["message"]["conversation_id"]
    codes = []
    for i in range(1, 27):  # 25 per visitor per 10 s, counted in Redis across both processes
        sock = on_first if i % 2 else on_second
        payload = {"conversation_id": conv, "client_msg_id": f"m{i}", "text": f"n{i}"}
        res = sock.call("message.send", payload)
        codes.append("ok" if res["ok"] else res["error"]["code"])
    assert codes == ["ok"] * 24 + ["rate_limited"] * 2

    def seqs() -> list[int]:
        got = agent.received("message.new")
        return sorted(m["message"]["seq"] for m in got if m["message"]["conversation_id"] == conv)

    wait_for(lambda: len(seqs()) >= 25)
    # the agent may see them in any order (the seq rule orders them) but sees each once
    assert seqs() == list(range(1, 26))
    for s in (agent, on_first, on_second):
        s.close()

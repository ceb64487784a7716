"""Redis (issue 21 item 9): two `chinwag run` processes on a password-protected Redis of their
own; a client without the password cannot publish, and one with it but without
CHINWAG_SECRET_KEY cannot inject events into a visitor's socket."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from realtime_helpers import (
    admin_token,
    agent_socket,
    new_visitor,
    prepare_server,
    visitor_socket,
    wait_for,
)

from chinwag.realtime.pubsub import sign, signing_key
from chinwag.testing import (
    LiveServer,
    _require,
    free_port,
    fresh_postgres_database,
    postgres_reachable,
)

PASSWORD = "a-redis-password-for-this-test"
SECRET = "live-test-secret-key-long-enough-for-hs256"


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory: Any) -> Iterator[str]:
    """A second redis-server on a free loopback port that requires a password."""
    binary = shutil.which("redis-server")
    _require("redis-server", binary is not None)
    port = free_port()
    work = Path(tmp_path_factory.mktemp("redis"))
    proc = subprocess.Popen(
        [
            str(binary),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            PASSWORD,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(work),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            if redis.Redis.from_url(url, socket_timeout=1).ping():
                break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: Any, private_redis: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    _require("PostgreSQL", postgres_reachable())
    env = {
        "CHINWAG_REDIS_URL": private_redis,
        "CHINWAG_REDIS_CHANNEL": f"chinwag-test-{uuid.uuid4().hex[:8]}",
    }
    with fresh_postgres_database() as url:
        first = prepare_server(tmp_path_factory.mktemp("a"), CHINWAG_DATABASE_URL=url, **env)
        second = prepare_server(tmp_path_factory.mktemp("b"), CHINWAG_DATABASE_URL=url, **env)
        first.start()
        second.start()
        yield first, second
        first.stop()
        second.stop()


def test_redis_without_the_password_refuses_publishers(private_redis: str) -> None:
    anonymous = private_redis.replace(f":{PASSWORD}@", "")
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis.from_url(anonymous).publish("chinwag", "x")


def _forged_emit(visitor_id: int, conversation_id: int, text: str) -> str:
    import json

    message = {
        "id": 10**6,
        "conversation_id": conversation_id,
        "seq": 99,
        "text": text,
        "author_kind": "agent",
        "blocks": [],
    }
    return json.dumps(
        {
            "method": "emit",
            "event": "message.new",
            "data": message,
            "namespace": "/widget",
            "room": f"visitor:{visitor_id}",
            "skip_sid": None,
            "callback": None,
            "host_id": uuid.uuid4().hex,
        }
    )


def test_events_cross_processes_signed_and_forged_ones_are_dropped(pair: Any) -> None:
    first, second = pair
    channel = first.env["CHINWAG_REDIS_CHANNEL"]
    session = new_visitor(first)
    visitor = visitor_socket(first, session)
    opening = visitor.call("message.send", {"client_msg_id": "o1", "text": "hello"})
    conv = opening["conversation"]["id"]
    agent = agent_socket(second, admin_token(second))
    assert agent.client.connected and visitor.client.connected
    # an agent on the other process reaches the visitor through the password-protected Redis
    ack = agent.call("message.send", {"conversation_id": conv, "client_msg_id": "a1", "text": "hi"})
    assert ack["ok"], ack
    wait_for(lambda: [m for m in visitor.received("message.new") if m.get("text") == "hi"])
    # someone with the Redis password but not the secret key publishes an event for the visitor
    forged = _forged_emit(session["visitor_id"], conv, "forged")
    attacker = redis.Redis.from_url(first.env["CHINWAG_REDIS_URL"])
    assert attacker.publish(channel, forged) == 2  # both processes are subscribed
    wrong_key = sign(signing_key("some-other-secret"), forged)
    attacker.publish(channel, wrong_key)
    # a correctly signed payload goes through: the forged ones were refused for their signature
    signed = sign(signing_key(SECRET), forged.replace('"forged"', '"signed"'))
    attacker.publish(channel, signed)
    wait_for(lambda: [m for m in visitor.received("message.new") if m.get("text") == "signed"])
    texts = [m.get("text") for m in visitor.received("message.new")]
    assert "forged" not in texts and texts.count("signed") == 1
    requests.get(f"{first.url}/healthz", timeout=10)
    wait_for(lambda: "without a valid signature" in first.log_path.read_text())
    assert "without a valid signature" in first.log_path.read_text()
    visitor.close()
    agent.close()


def test_a_revocation_reaches_the_other_process_at_once(pair: Any) -> None:
    from test_revocation import _agent, _next_event

    first, second = pair
    user_id, token = _agent(second)
    agent = agent_socket(second, token)
    assert _next_event(agent, "inbox.sync", {"after_event_id": 0}) == "ok"
    res = requests.patch(
        f"{first.url}/api/v1/users/{user_id}",
        json={"disabled": True},
        headers={"Authorization": f"Bearer {admin_token(first)}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    # the revocation travels through Redis: wait for it to land, then the next event is refused
    assert agent.disconnected.wait(10)
    assert {"code": "token_revoked"} in agent.received("session.revoked")
    assert _next_event(agent, "inbox.sync", {"after_event_id": 0}) != "ok"

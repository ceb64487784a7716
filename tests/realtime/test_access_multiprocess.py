"""Teams and scoping across processes (issue 15): two `chinwag run` on PostgreSQL and Redis. An
agent's socket on one process gets only the messages of their team's sites; a membership change
made through the other process moves that socket at once (a signed control payload on the Redis
channel, as revocation does), without a reconnect."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests
from realtime_helpers import (
    admin_token,
    agent_socket,
    new_visitor,
    visitor_session,
    visitor_socket,
    wait_for,
)


def _say(sock: Any, text: str, conversation_id: int | None) -> int:
    body: dict[str, Any] = {"client_msg_id": uuid.uuid4().hex, "text": text}
    if conversation_id:
        body["conversation_id"] = conversation_id
    ack = sock.call("message.send", body)
    assert ack["ok"], ack
    return int(ack["message"]["conversation_id"])


def _texts(agent: Any) -> list[str]:
    return [m["message"]["text"] for m in agent.received("message.new")]


def test_a_membership_change_reaches_the_other_process_at_once(pair: Any) -> None:
    first, second = pair
    site_a, site_b = first.extra["site"], second.extra["site"]
    admin = {"Authorization": f"Bearer {admin_token(first)}"}
    email, password = f"agent-{uuid.uuid4().hex[:6]}@example.com", "agent password 1"
    res = requests.post(
        f"{first.url}/api/v1/users",
        json={"email": email, "password": password, "role": "agent"},
        headers=admin,
        timeout=10,
    )
    assert res.status_code == 201, res.text
    agent_id = res.json()["id"]
    res = requests.post(
        f"{first.url}/api/v1/teams",
        json={"name": "Alpha", "site_ids": [site_a["id"]], "user_ids": [agent_id]},
        headers=admin,
        timeout=10,
    )
    assert res.status_code == 201, res.text
    team_id = res.json()["id"]
    token = requests.post(
        f"{second.url}/api/v1/auth/login",
        json={"email": email, "password": password},
        timeout=10,
    ).json()["access_token"]
    agent = agent_socket(second, token)
    visitor_a = visitor_socket(first, new_visitor(first))
    session_b = visitor_session(second, site_b)
    assert session_b.status_code == 200, session_b.text
    visitor_b = visitor_socket(second, session_b.json(), site=site_b)
    try:
        conv_b = _say(visitor_b, "b before", None)
        _say(visitor_a, "a before", None)
        wait_for(lambda: "a before" in _texts(agent))
        assert _texts(agent) == ["a before"]  # site B's message, sent first, never came

        res = requests.put(
            f"{first.url}/api/v1/teams/{team_id}/sites",
            json={"site_ids": [site_a["id"], site_b["id"]]},
            headers=admin,
            timeout=10,
        )
        assert res.status_code == 200, res.text
        # the change travels through Redis; the socket is not reconnected meanwhile
        deadline, n = time.monotonic() + 10, 0
        while time.monotonic() < deadline and not any(
            t.startswith("b after") for t in _texts(agent)
        ):
            n += 1
            _say(visitor_b, f"b after {n}", conv_b)
            time.sleep(0.2)
        assert any(t.startswith("b after") for t in _texts(agent))
        assert not agent.disconnected.is_set()
        assert "b before" not in _texts(agent)
    finally:
        for sock in (agent, visitor_a, visitor_b):
            sock.close()

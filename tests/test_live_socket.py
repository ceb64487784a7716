"""A real python-socketio client over a real socket against `chinwag run` (gevent)."""

from typing import Any

import requests
import socketio


def test_visitor_and_agent_over_real_socket(live_server: Any) -> None:
    server = live_server()
    site = server.extra["site"]
    origin = server.url
    s = requests.post(
        f"{server.url}/api/v1/widget/session",
        json={"site_key": site["site_key"]},
        headers={"Origin": origin},
        timeout=10,
    ).json()
    token = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=10,
    ).json()["access_token"]
    agent = socketio.SimpleClient()
    agent.connect(
        server.url,
        namespace="/agent",
        auth={"token": token},
        transports=["websocket"],
        headers={"Origin": origin},
    )
    visitor = socketio.SimpleClient()
    visitor.connect(
        server.url,
        namespace="/widget",
        transports=["websocket"],
        auth={"site_key": site["site_key"], "visitor_token": s["visitor_token"]},
        headers={"Origin": origin},
    )
    ack = visitor.call("message.send", {"client_msg_id": "c1", "text": "hello"}, timeout=10)
    assert ack["ok"] and ack["message"]["seq"] == 1
    seen = []
    while len(seen) < 1:
        name, data = agent.receive(timeout=10)
        if name == "message.new":
            seen.append(data["message"]["text"])
    assert seen == ["hello"]
    visitor.disconnect()
    agent.disconnect()


def test_foreign_origin_refused_on_real_socket(live_server: Any) -> None:
    server = live_server()
    site = server.extra["site"]
    s = requests.post(
        f"{server.url}/api/v1/widget/session",
        json={"site_key": site["site_key"]},
        headers={"Origin": server.url},
        timeout=10,
    ).json()
    visitor = socketio.SimpleClient()
    try:
        visitor.connect(
            server.url,
            namespace="/widget",
            transports=["websocket"],
            auth={"site_key": site["site_key"], "visitor_token": s["visitor_token"]},
            headers={"Origin": "https://evil.example"},
            wait_timeout=5,
        )
        connected = True
    except socketio.exceptions.ConnectionError:
        connected = False
    assert not connected
    res = requests.post(
        f"{server.url}/api/v1/widget/session",
        json={"site_key": site["site_key"]},
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert res.status_code == 403 and res.json()["error"]["code"] == "origin_not_allowed"

"""Over a real server and a real Socket.IO connection: the visitor's card number is masked in
the visitor's acknowledgement, in what a signed-in agent receives and in the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import requests
import socketio

from chinwag.testing import run_cli

CARD = "5555-5555-5555-4444"


def test_a_card_number_sent_over_a_real_socket_is_stored_masked(live_server: Any) -> None:
    server = live_server()
    run_cli(server.env, "plugins", "enable", "chinwag-redact")
    server.restart()  # loaded enabled at start-up: no wait for the refresh
    site = server.extra["site"]
    origin = {"Origin": server.url}
    session = requests.post(
        f"{server.url}/api/v1/widget/session",
        json={"site_key": site["site_key"]},
        headers=origin,
        timeout=10,
    ).json()
    login = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=10,
    ).json()
    agent = socketio.SimpleClient()
    visitor = socketio.SimpleClient()
    agent.connect(
        server.url,
        namespace="/agent",
        transports=["websocket"],
        auth={"token": login["access_token"]},
    )
    visitor.connect(
        server.url,
        namespace="/widget",
        transports=["websocket"],
        headers=origin,
        auth={"site_key": site["site_key"], "visitor_token": session["visitor_token"]},
    )
    try:
        ack = visitor.call(
            "message.send", {"client_msg_id": "live-1", "text": f"pay with {CARD}"}, timeout=15
        )
        assert ack["ok"], ack
        message = ack["message"]
        assert message["text"] == "pay with ••••-••••-••••-4444"
        assert "card number" in message["blocks"][-1]["text"]
        while True:  # the agent's copy: the same masked text, with the annotation
            name, data = agent.receive(timeout=15)
            if name == "message.new" and data["message"]["id"] == message["id"]:
                break
        assert data["message"]["text"] == message["text"]
        assert data["message"]["annotations"]["redact"] == {"hidden": {"card number": 1}}
    finally:
        visitor.disconnect()
        agent.disconnect()
    db = Path(server.env["CHINWAG_DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(db) as conn:
        texts = [row[0] for row in conn.execute("SELECT text FROM messages")]
    assert texts == [message["text"]]

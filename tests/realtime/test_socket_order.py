"""One socket's events are handled in the order sent: messages sent back to back without waiting
for their acks are numbered in that order (docs/protocol.md §5)."""

from __future__ import annotations

import threading
from typing import Any

from realtime_helpers import new_visitor, visitor_socket


def test_back_to_back_sends_are_numbered_in_send_order(live_server: Any) -> None:
    server = live_server(CHINWAG_RATE_LIMIT_MESSAGES="100")
    sock = visitor_socket(server, new_visitor(server))
    first = sock.call("message.send", {"client_msg_id": "open", "text": "hello"})
    conv = first["message"]["conversation_id"]
    acks: dict[int, Any] = {}
    done = threading.Event()

    def on_ack(i: int) -> Any:
        def record(ack: Any) -> None:
            acks[i] = ack
            if len(acks) == 40:
                done.set()

        return record

    for i in range(40):  # no waiting between sends
        payload = {"conversation_id": conv, "client_msg_id": f"m{i}", "text": f"n{i}"}
        sock.client.emit("message.send", payload, namespace="/widget", callback=on_ack(i))
    assert done.wait(30)
    assert all(acks[i]["ok"] for i in range(40))
    assert [acks[i]["message"]["seq"] for i in range(40)] == list(range(2, 42))
    sock.close()

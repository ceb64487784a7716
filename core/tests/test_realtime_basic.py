"""The delivery protocol through Flask-SocketIO's test client (real-socket tests live in tests/)."""

from typing import Any


def _ack(client: Any, event: str, payload: Any, ns: str) -> Any:
    return client.emit(event, payload, namespace=ns, callback=True)


def test_visitor_sends_agent_receives(
    chinwag_client: Any, admin_token: str, visitor_session: Any, demo_site: Any, socket_client: Any
) -> None:
    s = visitor_session()
    v = socket_client(
        "/widget",
        {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]},
        origin="https://shop.example",
    )
    assert v.is_connected("/widget")
    a = socket_client("/agent", {"token": admin_token}, origin="http://localhost")
    assert a.is_connected("/agent")
    ack = _ack(v, "message.send", {"client_msg_id": "m1", "text": "hello"}, "/widget")
    assert ack["ok"], ack
    msg = ack["message"]
    assert msg["seq"] == 1 and msg["text"] == "hello"
    again = _ack(v, "message.send", {"client_msg_id": "m1", "text": "hello"}, "/widget")
    assert again["message"]["id"] == msg["id"]
    received = [e for e in a.get_received("/agent") if e["name"] == "message.new"]
    assert [e["args"][0]["message"]["id"] for e in received] == [msg["id"]]
    reply = _ack(
        a,
        "message.send",
        {"conversation_id": msg["conversation_id"], "client_msg_id": "r1", "text": "hi!"},
        "/agent",
    )
    assert reply["ok"] and reply["message"]["seq"] == 2
    got = [
        e["args"][0]["message"]["seq"]
        for e in v.get_received("/widget")
        if e["name"] == "message.new"
    ]
    assert got == [1, 2]
    sync = _ack(
        v,
        "conversation.sync",
        {"conversation_id": msg["conversation_id"], "after_seq": 1},
        "/widget",
    )
    assert [m["text"] for m in sync["messages"]] == ["hi!"]
    # an agent socket gets one frame per message; message.created events come only from a sync
    frames = a.get_received("/agent")
    news = [e["args"][0] for e in frames if e["name"] == "message.new"]
    inbox = [e["args"][0] for e in frames if e["name"] == "inbox.event"]
    assert [n["message"]["seq"] for n in news] == [2]
    assert [e["kind"] for e in inbox] == []
    synced = _ack(a, "inbox.sync", {"after_event_id": 0}, "/agent")["events"]
    assert [(e["kind"], e["seq"]) for e in synced] == [
        ("conversation.created", 1),
        ("message.created", 2),
    ]
    assert news[0]["event_id"] == synced[1]["event_id"]


def test_foreign_origin_refused(
    visitor_session: Any, demo_site: Any, socket_client: Any, admin_token: str
) -> None:
    s = visitor_session()
    v = socket_client(
        "/widget",
        {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]},
        origin="https://evil.example",
    )
    assert not v.is_connected("/widget")
    a = socket_client("/agent", {"token": admin_token}, origin="https://evil.example")
    assert not a.is_connected("/agent")


def test_bad_payloads_get_error_acks(
    visitor_session: Any, demo_site: Any, socket_client: Any
) -> None:
    s = visitor_session()
    v = socket_client(
        "/widget", {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    )
    for payload in (
        None,
        [],
        "x",
        {"client_msg_id": "a", "text": "x", "extra": 1},
        {"text": "x"},
        {"client_msg_id": "a", "text": ""},
        {"client_msg_id": "a", "text": "x" * 5000},
    ):
        ack = _ack(v, "message.send", payload, "/widget")
        assert ack["ok"] is False and ack["error"]["code"], payload

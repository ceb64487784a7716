"""Fuzzed payloads (hypothesis) never crash a handler or give a 5xx; bots answer and hand off;
failing plugins never block delivery. In-process through Flask-SocketIO's test client (fast)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chinwag_plugin_api import (
    InboundProcessor,
    MessageDraft,
    PluginInfo,
    Reply,
    Responder,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chinwag.state import state
from chinwag.testing import create_user, make_app

WIDGET_EVENTS = [
    "message.send",
    "conversation.sync",
    "conversation.list",
    "typing.set",
    "conversation.read",
    "conversation.close",
    "widget.track",
]
AGENT_EVENTS = [
    "message.send",
    "conversation.sync",
    "typing.set",
    "conversation.read",
    "conversation.close",
    "conversation.reopen",
    "conversation.assign",
    "inbox.sync",
]
FIELDS = [
    "conversation_id",
    "client_msg_id",
    "text",
    "blocks",
    "after_seq",
    "typing",
    "seq",
    "user_id",
    "after_event_id",
    "name",
    "properties",
    "extra",
]

#: the shapes of issue 21 that gave a 500 or no ack: lone surrogates, ids beyond 64 bits,
#: nesting past the 64 levels accepted (deep enough to matter, shallow enough for the test
#: client's own encoder)
surrogates = st.text(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.characters(),
    min_size=1,
    max_size=6,
).filter(lambda t: any(0xD800 <= ord(c) <= 0xDFFF for c in t))
huge_ints = st.integers(min_value=2**63, max_value=10**25) | st.integers(max_value=-(2**63) - 1)


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


deep = st.integers(min_value=65, max_value=600).map(_nested)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | surrogates
    | huge_ints
    | deep,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | surrogates, inner, max_size=4)
    ),
    max_leaves=12,
)
# payloads close to the schemas (known field names, any values) and arbitrary JSON
payloads = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5) | json_values


class TestPlugin:
    """Registered in-process through the plugin host, like an installed plugin."""


class EchoBot(Responder):
    def respond(self, ctx: Any, conversation: Any, message: Any) -> Reply | None:
        if "human" in message.text:
            return Reply(text="Handing you to a human.", handoff=True)
        return Reply(text=f"bot: {message.text}")


class BrokenProcessor(InboundProcessor):
    def process(self, ctx: Any, draft: MessageDraft) -> MessageDraft:
        raise RuntimeError("processor bug")


class BrokenBot(Responder):
    def respond(self, ctx: Any, conversation: Any, message: Any) -> Reply | None:
        raise RuntimeError("responder bug")


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Any]:
    app = make_app(tmp_path, CHINWAG_RATE_LIMIT_MESSAGES=10_000)
    yield app
    with app.app_context():
        from chinwag.extensions import db

        db.session.remove()
        db.engine.dispose()


def _site(app: Any) -> dict[str, Any]:
    from chinwag.api.sites import create_site

    with app.app_context():
        site = create_site("Fuzz", ["https://shop.example"])
        return {"id": site.id, "site_key": site.site_key}


def _visitor(app: Any, site: dict[str, Any]) -> Any:
    res = app.test_client().post(
        "/api/v1/widget/session",
        json={"site_key": site["site_key"]},
        headers={"Origin": "https://shop.example"},
    )
    token = res.get_json()["visitor_token"]
    client = (
        state(app)
        .server()
        .test_client(
            app, namespace="/widget", auth={"site_key": site["site_key"], "visitor_token": token}
        )
    )
    assert client.is_connected("/widget")
    return client, token


def _agent(app: Any) -> Any:
    create_user(app, "agent@example.com", "agent password", "agent")
    res = app.test_client().post(
        "/api/v1/auth/login", json={"email": "agent@example.com", "password": "agent password"}
    )
    client = (
        state(app)
        .server()
        .test_client(app, namespace="/agent", auth={"token": res.get_json()["access_token"]})
    )
    assert client.is_connected("/agent")
    return client, res.get_json()["access_token"]


def _check_ack(ack: Any, event: str, payload: Any) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (event, payload, ack)
    if not ack["ok"]:
        assert ack["error"]["code"] != "internal_error", (event, payload, ack)
        assert isinstance(ack["error"]["message"], str)


def test_fuzzed_socket_payloads_never_crash(app: Any) -> None:
    site = _site(app)
    visitor, _ = _visitor(app, site)
    agent, _ = _agent(app)
    opened = visitor.emit(
        "message.send", {"client_msg_id": "seed", "text": "x"}, namespace="/widget", callback=True
    )
    assert opened["ok"]

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ns=st.sampled_from(["/widget", "/agent"]), data=st.data(), payload=payloads)
    def run(ns: str, data: Any, payload: Any) -> None:
        client = visitor if ns == "/widget" else agent
        event = data.draw(st.sampled_from(WIDGET_EVENTS if ns == "/widget" else AGENT_EVENTS))
        ack = client.emit(event, payload, namespace=ns, callback=True)
        _check_ack(ack, event, payload)
        assert client.is_connected(ns)

    run()


def test_fuzzed_rest_input_never_5xx(app: Any) -> None:
    site = _site(app)
    _, token = _visitor(app, site)
    http = app.test_client()

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        body=payloads,
        query=st.dictionaries(
            st.sampled_from(["after_seq", "limit", "status", "assignee", "site_id", "x"]),
            st.text(max_size=12),
            max_size=3,
        ),
        conv=st.integers(min_value=0, max_value=2**40),
        auth=st.sampled_from(["", f"Visitor {token}", "Visitor nope", "Bearer x.y.z"]),
    )
    def run(body: Any, query: dict[str, str], conv: int, auth: str) -> None:
        headers = {"Origin": "https://shop.example", "Authorization": auth}
        for res in (
            http.post("/api/v1/widget/session", json=body, headers=headers),
            http.post(
                "/api/v1/widget/session",
                json={**body, "site_key": site["site_key"]} if isinstance(body, dict) else body,
                headers=headers,
            ),
            http.get(f"/api/v1/conversations/{conv}/messages", query_string=query, headers=headers),
            http.get("/api/v1/conversations", query_string=query, headers=headers),
        ):
            assert res.status_code < 500, (res.status_code, res.get_data(as_text=True))
            if res.status_code >= 400:
                assert res.get_json()["error"]["code"]

    run()


def _register(app: Any, name: str, extensions: dict[str, list[type[Any]]]) -> Any:
    host = app.extensions["chinwag"].plugins
    return host.register_test_plugin(name, PluginInfo(display_name=name), extensions)


def _events(client: Any, ns: str, name: str) -> list[Any]:
    return [e["args"][0] for e in client.get_received(ns) if e["name"] == name]


def test_bot_answers_then_hands_off_to_humans(app: Any) -> None:
    _register(app, "test-echo-bot", {Responder.namespace: [EchoBot]})
    site = _site(app)
    visitor, _ = _visitor(app, site)
    agent, _ = _agent(app)
    ack = visitor.emit(
        "message.send",
        {"client_msg_id": "q1", "text": "opening hours?"},
        namespace="/widget",
        callback=True,
    )
    conv = ack["message"]["conversation_id"]
    assert state(app).bus.wait_idle()  # bots answer after the visitor's ack
    msgs = [e["message"] for e in _events(visitor, "/widget", "message.new")]
    assert [(m["seq"], m["author_kind"], m["text"]) for m in msgs] == [
        (1, "visitor", "opening hours?"),
        (2, "bot", "bot: opening hours?"),
    ]
    visitor.emit(
        "message.send",
        {"conversation_id": conv, "client_msg_id": "q2", "text": "I want a human"},
        namespace="/widget",
        callback=True,
    )
    assert state(app).bus.wait_idle()
    updates = _events(visitor, "/widget", "conversation.update")
    assert updates[-1]["conversation"]["assignee_kind"] == "agent"
    inbox = [e["kind"] for e in _events(agent, "/agent", "inbox.event")]
    assert "conversation.handoff" in inbox
    # once humans hold it, the bot stays silent
    visitor.emit(
        "message.send",
        {"conversation_id": conv, "client_msg_id": "q3", "text": "hello?"},
        namespace="/widget",
        callback=True,
    )
    assert state(app).bus.wait_idle()
    sync = visitor.emit(
        "conversation.sync",
        {"conversation_id": conv, "after_seq": 0},
        namespace="/widget",
        callback=True,
    )
    assert [(m["author_kind"], m["text"]) for m in sync["messages"]] == [
        ("visitor", "opening hours?"),
        ("bot", "bot: opening hours?"),
        ("visitor", "I want a human"),
        ("bot", "Handing you to a human."),
        ("visitor", "hello?"),
    ]


def test_failing_processor_and_responder_never_block_delivery(app: Any) -> None:
    proc = _register(app, "test-broken-processor", {InboundProcessor.namespace: [BrokenProcessor]})
    bot = _register(app, "test-broken-bot", {Responder.namespace: [BrokenBot]})
    site = _site(app)
    visitor, _ = _visitor(app, site)
    agent, _ = _agent(app)
    ack = visitor.emit(
        "message.send",
        {"client_msg_id": "p1", "text": "still here"},
        namespace="/widget",
        callback=True,
    )
    assert ack["ok"] and ack["message"]["text"] == "still here"
    assert state(app).bus.wait_idle()
    got = [e["message"]["text"] for e in _events(agent, "/agent", "message.new")]
    assert got == ["still here"]
    assert proc.stats.failures >= 1 and bot.stats.failures >= 1
    assert "processor bug" in (proc.stats.last_error or "")

"""Who may connect and what they may touch, over real sockets against `chinwag run` (gevent)."""

from __future__ import annotations

import hashlib
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import requests
import socketio
from realtime_helpers import (
    admin_token,
    agent_socket,
    connect,
    new_visitor,
    refusal_code,
    visitor_session,
    visitor_socket,
)

SECRET = "live-test-secret-key-long-enough-for-hs256"
NONE_HEADER = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
WIDGET_EVENTS = (
    "message.send",
    "conversation.sync",
    "typing.set",
    "conversation.read",
    "conversation.close",
)
AGENT_EVENTS = (*WIDGET_EVENTS, "conversation.reopen", "conversation.assign", "inbox.sync")


def test_foreign_origin_refused_on_both_namespaces(shared_server: Any) -> None:
    s = new_visitor(shared_server)
    token = admin_token(shared_server)
    foreign = "https://evil.example"
    # an origin no site allows is refused by Engine.IO itself, before any namespace
    # (tests/security/test_cors.py); a site's origin on the wrong namespace by the namespace
    v = visitor_socket(shared_server, s, origin=foreign)
    a = agent_socket(shared_server, token, origin=foreign)
    assert not v.client.connected and v.connect_error is not None
    assert not a.client.connected and a.connect_error is not None
    # a look-alike origin is foreign too
    twin = visitor_socket(shared_server, s, origin=f"{shared_server.url}.evil.example")
    assert not twin.client.connected and twin.connect_error is not None
    res = visitor_session(shared_server, origin=foreign)
    assert res.status_code == 403 and res.json()["error"]["code"] == "origin_not_allowed"
    # the allowed origin and a non-browser client (no Origin) get in; tokens still apply
    for origin in ("own", None):
        ok_v = visitor_socket(shared_server, s, origin=origin)
        ok_a = agent_socket(shared_server, token, origin=origin)
        assert ok_v.client.connected and ok_a.client.connected
        ok_v.close()
        ok_a.close()
    no_token = connect(
        shared_server,
        "/widget",
        {"site_key": shared_server.extra["site"]["site_key"], "visitor_token": "x"},
        origin=None,
    )
    assert refusal_code(no_token) == "token_invalid"
    cookie_only = connect(shared_server, "/widget", None, origin=None)
    assert refusal_code(cookie_only) == "auth_required"


def test_visitor_cannot_touch_another_visitors_conversation(shared_server: Any) -> None:
    a_session, b_session = new_visitor(shared_server), new_visitor(shared_server)
    a, b = visitor_socket(shared_server, a_session), visitor_socket(shared_server, b_session)
    ack = b.call("message.send", {"client_msg_id": "b1", "text": "B's secret"})
    assert ack["ok"], ack
    b_conv = ack["message"]["conversation_id"]
    mine = a.call("message.send", {"client_msg_id": "a1", "text": "A here"})
    assert mine["ok"]

    attempts = [
        ("conversation.sync", {"conversation_id": b_conv, "after_seq": 0}),
        ("typing.set", {"conversation_id": b_conv, "typing": True}),
        ("conversation.read", {"conversation_id": b_conv, "seq": 1}),
        ("conversation.close", {"conversation_id": b_conv}),
        ("message.send", {"conversation_id": b_conv, "client_msg_id": "a2", "text": "intrude"}),
    ]
    for event, payload in attempts:
        res = a.call(event, payload)
        assert res == {"ok": False, "error": res["error"]} and res["error"]["code"] == "not_found"
    # REST: the gap fetch and the conversation list
    auth = {"Authorization": f"Visitor {a_session['visitor_token']}"}
    res = requests.get(
        f"{shared_server.url}/api/v1/conversations/{b_conv}/messages", headers=auth, timeout=10
    )
    assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"
    res = requests.get(f"{shared_server.url}/api/v1/conversations", headers=auth, timeout=10)
    assert [c["id"] for c in res.json()] == [mine["message"]["conversation_id"]]

    # B's conversation is untouched and B saw nothing of A
    sync = b.call("conversation.sync", {"conversation_id": b_conv, "after_seq": 0})
    assert [m["text"] for m in sync["messages"]] == ["B's secret"]
    assert (
        sync["conversation"]["status"] == "open" and sync["conversation"]["visitor_read_seq"] == 0
    )
    b.call("conversation.list")  # a round trip, so anything published to B has arrived
    assert all(m["message"]["conversation_id"] == b_conv for m in b.received("message.new"))
    assert a.received("typing.update") == [] and b.received("typing.update") == []
    a.close()
    b.close()


def _agent_jwt(claims: dict[str, Any], key: str = SECRET, alg: str = "HS256") -> str:
    now = datetime.now(UTC)
    base = {
        "sub": "1",
        "typ": "access",
        "ver": 0,
        "role": "admin",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    return jwt.encode({**base, **claims}, key, algorithm=alg)


def test_bad_agent_tokens_refused(shared_server: Any) -> None:
    good = admin_token(shared_server)
    head, body, sig = good.split(".")
    tampered_body = body[:-2] + ("AA" if body[-2:] != "AA" else "BB")
    none_token = jwt.encode(
        {"sub": "1", "typ": "access", "ver": 0, "exp": int(time.time()) + 300},
        None,
        algorithm="none",
    )
    cases = {
        "tampered": (f"{head}.{tampered_body}.{sig}", "token_invalid"),
        "alg_none": (none_token, "token_invalid"),
        "alg_none_copy": (f"{NONE_HEADER}.{body}.", "token_invalid"),
        "other_key": (
            _agent_jwt({}, key="another-secret-key-of-sufficient-length!"),
            "token_invalid",
        ),
        "expired": (_agent_jwt({"exp": datetime.now(UTC) - timedelta(seconds=5)}), "token_expired"),
        "refresh_typed": (_agent_jwt({"typ": "refresh"}), "token_invalid"),
        "stale_version": (_agent_jwt({"ver": 7}), "token_revoked"),
        "garbage": ("not-a-jwt", "token_invalid"),
    }
    for name, (token, code) in cases.items():
        sock = agent_socket(shared_server, token)
        assert not sock.client.connected, name
        assert refusal_code(sock) == code, (name, sock.connect_error)
    res = requests.get(
        f"{shared_server.url}/api/v1/conversations",
        headers={"Authorization": f"Bearer {cases['alg_none'][0]}"},
        timeout=10,
    )
    assert res.status_code == 401
    assert agent_socket(shared_server, good).client.connected


def _db(server: Any) -> sqlite3.Connection:
    return sqlite3.connect(Path(server.env["CHINWAG_INSTANCE_PATH"]) / "chinwag.db", timeout=30)


def _set_user(server: Any, email: str, sql: str) -> None:
    with _db(server) as conn:
        conn.execute(f"UPDATE users SET {sql} WHERE email = ?", (email,))  # noqa: S608


def _create_agent(server: Any) -> tuple[str, str]:
    from chinwag.testing import run_cli

    email = f"agent-{uuid.uuid4().hex[:8]}@example.com"
    run_cli(server.env, "users", "create", "--email", email, "--password", "agent password 1")
    res = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": email, "password": "agent password 1"},
        timeout=10,
    )
    return email, str(res.json()["access_token"])


def _wait_refused(sock: Any, deadline: float = 15) -> str:
    """Send harmless events until the server refuses or drops the socket; the refusal's code."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if sock.disconnected.is_set():
            return "disconnected"
        try:
            res = sock.call("inbox.sync", {"after_event_id": 10**9}, timeout=3)
        except socketio.exceptions.SocketIOError:  # dropped while waiting: seen on the next turn
            continue
        if not res["ok"]:
            return str(res["error"]["code"])
        time.sleep(0.3)
    raise AssertionError("the socket was never refused")


def test_disabled_or_revoked_agent_is_cut_off(shared_server: Any) -> None:
    disabled_email, disabled_token = _create_agent(shared_server)
    revoked_email, revoked_token = _create_agent(shared_server)
    busy = agent_socket(shared_server, disabled_token)
    idle = agent_socket(shared_server, revoked_token)
    assert busy.client.connected and idle.client.connected
    assert busy.call("inbox.sync", {"after_event_id": 0})["ok"]

    _set_user(shared_server, disabled_email, "disabled = 1")
    _set_user(shared_server, revoked_email, "token_version = token_version + 1")
    # the next events are refused (after the ~2 s session cache) and the socket is dropped
    assert _wait_refused(busy) in {"token_revoked", "disconnected"}
    assert busy.disconnected.wait(10)
    # the idle socket sends nothing: the sweeper disconnects it within seconds
    assert idle.disconnected.wait(15)
    assert idle.received("session.revoked") == [{"code": "token_revoked"}]
    for token in (disabled_token, revoked_token):
        again = agent_socket(shared_server, token)
        assert refusal_code(again) == "token_revoked"


# -- identity verification ----------------------------------------------------------------------


def _identity(
    secret: str,
    sub: str,
    kid: str | None = "auto",
    alg: str = "HS256",
    lifetime: int = 600,
    **claims: Any,
) -> str:
    headers = {}
    if kid == "auto":
        headers["kid"] = hashlib.sha256(secret.encode()).hexdigest()[:16]
    elif kid is not None:
        headers["kid"] = kid
    body = {"sub": sub, "exp": int(time.time()) + lifetime, **claims}
    return jwt.encode(body, secret, algorithm=alg, headers=headers)


def _code(res: requests.Response) -> str:
    return str(res.json()["error"]["code"]) if res.status_code != 200 else "ok"


def test_identity_verification(shared_server: Any) -> None:
    admin = {"Authorization": f"Bearer {admin_token(shared_server)}"}
    site = requests.post(
        f"{shared_server.url}/api/v1/sites",
        headers=admin,
        timeout=10,
        json={"name": "Identity", "allowed_origins": [shared_server.url]},
    ).json()
    old = site["identity_secret"]

    def session(**body: Any) -> requests.Response:
        return visitor_session(shared_server, site=site, **body)

    # refused: tampered, alg none, wrong algorithm, expired, too long-lived, unknown kid, no sub
    good = _identity(old, "user-1", email="ann@example.com", name="Ann", plan="pro")
    h, b, s = good.split(".")
    bad = {
        "tampered": f"{h}.{b[:-2]}{'AA' if b[-2:] != 'AA' else 'BB'}.{s}",
        "alg_none": jwt.encode(
            {"sub": "user-1", "exp": int(time.time()) + 60}, None, algorithm="none"
        ),
        "hs512": _identity(old, "user-1", alg="HS512"),
        "wrong_secret": _identity("x" * 43, "user-1", kid=None),
        "unknown_kid": _identity(old, "user-1", kid="0123456789abcdef"),
        "too_long": _identity(old, "user-1", lifetime=3 * 3600),
    }
    for name, token in bad.items():
        assert _code(session(identity=token)) == "identity_invalid", name
    assert _code(session(identity=_identity(old, "user-1", lifetime=-30))) == "identity_expired"

    first = session(identity=good)
    assert first.status_code == 200 and first.json()["verified"] is True
    ann = first.json()
    ann_sock = visitor_socket(shared_server, ann, site=site)
    conv = ann_sock.call("message.send", {"client_msg_id": "hist-1", "text": "my order 123"})
    conv_id = conv["message"]["conversation_id"]
    ann_sock.close()

    # an anonymous visitor typing Ann's email and name gets a different, empty visitor
    mallory = session(email="ann@example.com", name="Ann").json()
    assert mallory["visitor_id"] != ann["visitor_id"] and mallory["verified"] is False
    m_sock = visitor_socket(shared_server, mallory, site=site)
    assert m_sock.call("conversation.list")["conversations"] == []
    assert (
        m_sock.call("conversation.sync", {"conversation_id": conv_id, "after_seq": 0})["error"][
            "code"
        ]
        == "not_found"
    )
    res = requests.get(
        f"{shared_server.url}/api/v1/conversations/{conv_id}/messages",
        headers={"Authorization": f"Visitor {mallory['visitor_token']}"},
        timeout=10,
    )
    assert res.status_code == 404
    m_sock.close()
    # a forged identity for Ann (wrong secret) does not get in either
    assert _code(session(identity=_identity("y" * 43, "user-1"))) == "identity_invalid"

    # rotation: tokens signed with the previous secret (its kid, or none) still work
    rotated = requests.post(
        f"{shared_server.url}/api/v1/sites/{site['id']}/rotate-identity-secret",
        headers=admin,
        timeout=10,
    ).json()
    new = rotated["identity_secret"]
    for token in (
        _identity(old, "user-1"),
        _identity(old, "user-1", kid=None),
        _identity(new, "user-1"),
        _identity(new, "user-1", kid=None),
    ):
        res = session(identity=token)
        assert res.status_code == 200 and res.json()["visitor_id"] == ann["visitor_id"]
    # the kid must match the secret that signed
    new_kid = hashlib.sha256(new.encode()).hexdigest()[:16]
    assert _code(session(identity=_identity(old, "user-1", kid=new_kid))) == "identity_invalid"
    # a second device of the verified visitor sees the history
    other = visitor_socket(
        shared_server, session(identity=_identity(new, "user-1")).json(), site=site
    )
    assert [c["id"] for c in other.call("conversation.list")["conversations"]] == [conv_id]
    other.close()
    # after the next rotation the oldest secret is retired
    requests.post(
        f"{shared_server.url}/api/v1/sites/{site['id']}/rotate-identity-secret",
        headers=admin,
        timeout=10,
    )
    assert _code(session(identity=_identity(old, "user-1"))) == "identity_invalid"

    # enforce mode refuses unverified sessions
    requests.patch(
        f"{shared_server.url}/api/v1/sites/{site['id']}",
        headers=admin,
        json={"identity_required": True},
        timeout=10,
    )
    assert _code(session()) == "identity_required"
    assert _code(session(email="ann@example.com")) == "identity_required"


# -- limits -------------------------------------------------------------------------------------


def test_text_cap_and_engineio_buffer_cap(shared_server: Any) -> None:
    s = new_visitor(shared_server)
    v = visitor_socket(shared_server, s)
    res = v.call("message.send", {"client_msg_id": "long", "text": "x" * 4001})
    assert res["error"]["code"] == "text_too_long"
    assert v.call("message.send", {"client_msg_id": "max", "text": "x" * 4000})["ok"]
    # a packet over CHINWAG_MAX_HTTP_BUFFER (100 kB here) closes the connection, nothing else
    v.client.emit(
        "message.send", {"client_msg_id": "huge", "text": "y" * 150_000}, namespace="/widget"
    )
    assert v.disconnected.wait(10)
    again = visitor_socket(shared_server, s)
    convs = again.call("conversation.list")["conversations"]
    sync = again.call("conversation.sync", {"conversation_id": convs[0]["id"], "after_seq": 0})
    assert [m["client_msg_id"] for m in sync["messages"]] == ["max"]
    again.close()


def test_rate_limits_per_visitor_and_connection(shared_server: Any) -> None:
    # 10 messages per visitor per 10 s (both sockets of the visitor count), 30 events per socket
    s = new_visitor(shared_server)
    one, two = visitor_socket(shared_server, s), visitor_socket(shared_server, s)
    codes = []
    for i in range(12):
        sock = one if i % 2 else two
        res = sock.call("message.send", {"client_msg_id": f"r{i}", "text": f"m{i}"})
        codes.append("ok" if res["ok"] else res["error"]["code"])
    assert codes == ["ok"] * 10 + ["rate_limited"] * 2
    # the refused message was not stored: re-sending it later with the same id is the remedy
    conv_id = one.call("conversation.list")["conversations"][0]["id"]
    assert (
        one.call("conversation.sync", {"conversation_id": conv_id, "after_seq": 0})["messages"][-1][
            "client_msg_id"
        ]
        == "r9"
    )
    # a connection's own budget counts every event, not only messages
    other = visitor_socket(shared_server, new_visitor(shared_server))
    results = [other.call("conversation.list") for _ in range(32)]
    assert [r["ok"] for r in results[:30]] == [True] * 30
    assert results[-1]["error"]["code"] == "rate_limited"
    for sock in (one, two, other):
        sock.close()


def test_garbage_over_the_real_socket_gets_error_acks(shared_server: Any) -> None:
    session, token = new_visitor(shared_server), admin_token(shared_server)
    payloads: list[Any] = [
        None,
        [],
        "x",
        7,
        1.5,
        True,
        {"conversation_id": "1"},
        {"client_msg_id": "ok", "text": {"nested": [1]}},
        {"conversation_id": 2**40, "after_seq": -1},
        {"client_msg_id": "bad id with spaces", "text": "x"},
        {"blocks": [{"type": "nope"}], "client_msg_id": "b", "text": ""},
    ]
    for ns, events in (("/widget", WIDGET_EVENTS), ("/agent", AGENT_EVENTS)):
        for event in events:  # a fresh socket per event keeps under the per-connection limit
            sock = (
                visitor_socket(shared_server, session)
                if ns == "/widget"
                else agent_socket(shared_server, token)
            )
            for payload in payloads:
                res = sock.call(event, payload)
                assert res["ok"] is False, (event, payload)
                assert res["error"]["code"] != "internal_error", (event, payload, res)
            assert sock.client.connected
            sock.close()

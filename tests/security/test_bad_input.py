"""Bad input (issue 21): each shape that gave a 500 or no answer is a 400 / an error ack with a
stable code, on REST (SQLite and PostgreSQL) and over a real socket (raw Engine.IO frames)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import websocket
from realtime_helpers import new_visitor, prepare_server

from chinwag.testing import LiveServer

DEEP_REST = "[" * 100_000 + "]" * 100_000
DEEP_EVENT = "[" * 5_000 + "]" * 5_000
HUGE_ID = 12345678901234567890


def _post(client: Any, path: str, raw: str, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json", "Origin": "https://shop.example"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(path, data=raw.encode("utf-8", "surrogatepass"), headers=headers)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"site_key": "\\ud800"}', "invalid_text"),
        ('{"site_key": "x", "name": "a\\udfffb"}', "invalid_text"),
        (DEEP_REST, "json_too_deep"),
        ('{"site_key": ' + "[" * 100 + "]" * 100 + "}", "json_too_deep"),
        ("{nope", "invalid_json"),
    ],
)
def test_rest_bodies_that_cannot_be_used_are_400s(
    chinwag_client: Any, demo_site: dict[str, Any], raw: str, code: str
) -> None:
    raw = raw.replace('"x"', json.dumps(demo_site["site_key"]))
    res = _post(chinwag_client, "/api/v1/widget/session", raw)
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    assert res.get_json()["error"]["code"] == code


def test_a_lone_surrogate_in_an_admin_body_is_a_400(chinwag_client: Any, admin_token: str) -> None:
    res = _post(
        chinwag_client,
        "/api/v1/sites",
        '{"name": "\\ud83d", "allowed_origins": ["https://a.example"]}',
        admin_token,
    )
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "invalid_text"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/sites/{HUGE_ID}"),
        ("post", f"/api/v1/sites/{HUGE_ID}/rotate-key"),
        ("get", f"/api/v1/visitors/{HUGE_ID}/export"),
        ("delete", f"/api/v1/visitors/{HUGE_ID}"),
        ("get", f"/api/v1/sites/{2**31}"),
    ],
)
def test_ids_beyond_32_bits_in_paths_are_400s(
    chinwag_client: Any, admin_token: str, method: str, path: str
) -> None:
    res = getattr(chinwag_client, method)(path, headers={"Authorization": f"Bearer {admin_token}"})
    assert res.status_code == 400, (path, res.get_data(as_text=True)[:300])
    assert res.get_json()["error"]["code"] == "invalid_id"
    # the largest id is an id: not found, not refused
    ok = chinwag_client.get(
        f"/api/v1/sites/{2**31 - 1}", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert ok.status_code == 404


@pytest.mark.parametrize("body", [{}, {"enabled": True}, {"settings": {}}])
def test_patching_an_unknown_plugin_is_a_404(
    chinwag_client: Any, admin_token: str, body: dict[str, Any]
) -> None:
    res = chinwag_client.patch(
        "/api/v1/plugins/0", json=body, headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "plugin_not_found"


def test_405_answers_say_what_is_allowed(chinwag_client: Any) -> None:
    res = chinwag_client.put("/api/v1/widget/session", json={})
    assert res.status_code == 405
    assert "POST" in {m.strip() for m in res.headers["Allow"].split(",")}
    assert res.get_json()["error"]["code"] == "method_not_allowed"


# -- over a real socket -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[LiveServer]:
    live = prepare_server(tmp_path_factory.mktemp("bad-input"))
    live.start()
    yield live
    live.stop()


class RawWidget:
    """A raw Engine.IO v4 WebSocket on ``/widget``: frames written by hand, as an attacker would."""

    def __init__(self, server: LiveServer) -> None:
        session = new_visitor(server)
        site = server.extra["site"]
        url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, timeout=15, origin=server.url)
        assert self.ws.recv().startswith("0")
        auth = {"site_key": site["site_key"], "visitor_token": session["visitor_token"]}
        self.ws.send("40/widget," + json.dumps(auth))
        assert self.next_frame().startswith("40/widget,{")
        self.ack_id = 0

    def next_frame(self) -> str:
        while True:
            frame = str(self.ws.recv())
            if frame == "2":  # ping
                self.ws.send("3")
                continue
            return frame

    def call_raw(self, event: str, raw_payload: str) -> Any:
        self.ack_id += 1
        self.ws.send(f'42/widget,{self.ack_id}["{event}",{raw_payload}]')
        prefix = f"43/widget,{self.ack_id}"
        while True:
            frame = self.next_frame()
            if frame.startswith(prefix):
                return json.loads(frame[len(prefix) :])[0]

    def close(self) -> None:
        self.ws.close()


@pytest.mark.parametrize(
    ("event", "raw_payload"),
    [
        ("message.send", '{"client_msg_id": "s1", "text": "\\ud800"}'),
        ("message.send", '{"client_msg_id": "s2", "text": "ok", "blocks": ' + DEEP_EVENT + "}"),
        ("message.send", DEEP_EVENT),
        ("conversation.sync", f'{{"conversation_id": {HUGE_ID}, "after_seq": 0}}'),
        ("conversation.list", '{"\\udc00": 1}'),
        ("widget.track", '{"name": "x", "properties": {"name": "spoof"}}'),
        ("widget.track", '{"name": "x", "properties": {"site_id": 99}}'),
        ("widget.track", '{"name": "\\ud800", "properties": {}}'),
    ],
)
def test_bad_events_get_error_acks_over_a_real_socket(
    server: LiveServer, event: str, raw_payload: str
) -> None:
    sock = RawWidget(server)
    try:
        ack = sock.call_raw(event, raw_payload)
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] in {"validation_error", "invalid_payload"}, ack
        # the connection is still usable
        assert sock.call_raw("conversation.list", "{}")["ok"] is True
    finally:
        sock.close()
    log = server.log_path.read_text()
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]

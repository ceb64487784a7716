"""Socket.IO CORS (issue 21 item 5): Engine.IO answers only Chinwag's own origin, the admin's
and the sites' allowed origins; it used to reflect any Origin, with credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from realtime_helpers import (
    admin_token,
    new_visitor,
    prepare_server,
    refusal_code,
    visitor_socket,
)

from chinwag.testing import LiveServer

OTHER = "https://other-site.example"
FOREIGN = "https://evil.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[LiveServer]:
    live = prepare_server(tmp_path_factory.mktemp("cors"))
    live.start()
    res = requests.post(
        f"{live.url}/api/v1/sites",
        json={"name": "Other", "allowed_origins": [OTHER]},
        headers={"Authorization": f"Bearer {admin_token(live)}"},
        timeout=10,
    )
    assert res.status_code in (200, 201), res.text
    yield live
    live.stop()


def _handshake(server: LiveServer, origin: str, method: str = "GET") -> requests.Response:
    headers = {"Origin": origin}
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "POST"
    return requests.request(
        method, f"{server.url}/socket.io/?EIO=4&transport=polling", headers=headers, timeout=10
    )


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_engineio_answers_only_known_origins(server: LiveServer, method: str) -> None:
    for origin in (server.url, OTHER):  # our own, a site's
        res = _handshake(server, origin, method)
        assert res.status_code == 200, (origin, res.text)
        assert res.headers.get("Access-Control-Allow-Origin") == origin
    for origin in (FOREIGN, f"{server.url}.evil.example", "null"):
        res = _handshake(server, origin, method)
        assert "Access-Control-Allow-Origin" not in res.headers, origin
        if method == "GET":
            assert res.status_code == 400 and "sid" not in res.text


def _polling_connect(server: LiveServer, origin: str, namespace: str, auth: dict[str, Any]) -> str:
    """Open a namespace over long-polling, as a browser on ``origin`` would; the server's answer."""
    headers = {"Origin": origin}
    base = f"{server.url}/socket.io/?EIO=4&transport=polling"
    opened = requests.get(base, headers=headers, timeout=10).text
    sid = json.loads(opened[opened.index("{") :])["sid"]
    res = requests.post(
        f"{base}&sid={sid}", data=f"40{namespace}," + json.dumps(auth), headers=headers, timeout=10
    )
    assert res.status_code == 200, res.text
    return requests.get(f"{base}&sid={sid}", headers=headers, timeout=30).text


def test_a_sites_origin_still_meets_each_namespaces_own_check(server: LiveServer) -> None:
    # the other site's origin passes Engine.IO but not this site's widget, nor the agents'
    session = new_visitor(server)
    site = server.extra["site"]
    auth = {"site_key": site["site_key"], "visitor_token": session["visitor_token"]}
    assert "origin_not_allowed" in _polling_connect(server, OTHER, "/widget", auth)
    token = {"token": admin_token(server)}
    assert "origin_not_allowed" in _polling_connect(server, OTHER, "/agent", token)
    assert _polling_connect(server, server.url, "/widget", auth).startswith("40/widget,{")
    # a foreign origin does not get as far as a namespace; our own gets in over a WebSocket
    f = visitor_socket(server, session, origin=FOREIGN)
    assert not f.client.connected and refusal_code(f) is None
    ok = visitor_socket(server, session)
    assert ok.client.connected
    for sock in (f, ok):
        sock.close()

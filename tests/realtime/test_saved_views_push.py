"""A saved view saved or deleted in one tab reaches the agent's other open tabs at once over
``/agent`` (``saved_views.changed``), and no one else's: real python-socketio clients on a
real `chinwag run` (gevent); and across two processes sharing PostgreSQL and Redis."""

from __future__ import annotations

from typing import Any

import requests
from realtime_helpers import Sock, admin_token, agent_socket, wait_for

from chinwag.testing import ADMIN_PASSWORD, LiveServer, run_cli

EVENT = "saved_views.changed"


def _agent_token(server: LiveServer, email: str) -> str:
    user = ["--email", email, "--password", ADMIN_PASSWORD, "--role", "agent"]
    run_cli(server.env, "users", "create", *user)
    res = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": email, "password": ADMIN_PASSWORD},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return str(res.json()["access_token"])


def _names(sock: Sock) -> list[list[str]]:
    """The view names of every push this socket received, in order."""
    return [[v["name"] for v in push["views"]] for push in sock.received(EVENT)]


def _rest(server: LiveServer, token: str, method: str, path: str = "", **kw: Any) -> Any:
    res = requests.request(
        method,
        f"{server.url}/api/v1/inbox/views{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kw,
    )
    assert res.ok, res.text
    return res.json() if res.content else None


def test_a_saved_view_reaches_the_agents_other_tabs_and_no_one_else(
    shared_server: LiveServer,
) -> None:
    server = shared_server
    ana = _agent_token(server, "ana-views@example.com")
    bob = _agent_token(server, "bob-views@example.com")
    admin = admin_token(server)
    tabs = [agent_socket(server, ana) for _ in range(2)]
    others = [agent_socket(server, bob), agent_socket(server, admin)]
    try:
        assert all(s.connect_error is None for s in tabs + others)
        saved = _rest(server, ana, "POST", json={"name": "Refunds", "filters": {"q": "refund"}})
        wait_for(lambda: all(_names(t) == [["Refunds"]] for t in tabs))
        assert [_names(t) for t in tabs] == [[["Refunds"]], [["Refunds"]]]
        push = tabs[1].received(EVENT)[0]["views"][0]
        assert push == saved  # the REST shape, every field

        # Bob's own change reaches Bob only: so his socket was listening all along
        _rest(server, bob, "POST", json={"name": "Mine", "filters": {}})
        wait_for(lambda: _names(others[0]) == [["Mine"]])
        _rest(server, ana, "DELETE", f"/{saved['id']}")
        wait_for(lambda: all(len(_names(t)) == 2 for t in tabs))
        assert [_names(t) for t in tabs] == [[["Refunds"], []], [["Refunds"], []]]
        assert _names(others[0]) == [["Mine"]]  # nothing of Ana's
        assert _names(others[1]) == []  # an admin sees every site, not other people's views
    finally:
        for sock in tabs + others:
            sock.close()


def test_a_view_saved_through_one_process_reaches_tabs_on_the_other(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    first, second = pair
    ana = _agent_token(first, "ana-multi@example.com")
    bob = _agent_token(first, "bob-multi@example.com")
    # Ana's tabs: one on each process; Bob's on the other process
    here, there = agent_socket(first, ana), agent_socket(second, ana)
    bobs = agent_socket(second, bob)
    try:
        assert all(s.connect_error is None for s in (here, there, bobs))
        saved = _rest(first, ana, "POST", json={"name": "VIP", "filters": {"status": "open"}})
        wait_for(lambda: _names(there) == [["VIP"]] and _names(here) == [["VIP"]])
        assert _names(there) == [["VIP"]]
        assert there.received(EVENT)[0]["views"] == [saved]  # the REST shape, every field
        # a delete through the second process reaches the first
        _rest(second, ana, "DELETE", f"/{saved['id']}")
        wait_for(lambda: _names(here) == [["VIP"], []])
        assert _names(here) == [["VIP"], []]
        # Bob's own change reaches Bob on the second process: so he was listening all along
        _rest(first, bob, "POST", json={"name": "Mine", "filters": {}})
        wait_for(lambda: _names(bobs) == [["Mine"]])
        assert _names(bobs) == [["Mine"]]  # nothing of Ana's
        assert len(_names(there)) == 2
    finally:
        for sock in (here, there, bobs):
            sock.close()

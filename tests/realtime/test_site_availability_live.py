"""Open widgets follow their site's availability live (``site.availability``), over real sockets
against a real `chinwag run`: an agent's inbox socket opening, choosing away, coming back and
closing reaches the visitors of the agent's site within seconds, and only them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from realtime_helpers import (
    admin_token,
    agent_socket,
    new_visitor,
    prepare_server,
    visitor_socket,
    wait_for,
)

from chinwag.testing import LiveServer, run_cli

EVENT = "site.availability"


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[LiveServer]:
    live = prepare_server(tmp_path_factory.mktemp("availability"))
    out = run_cli(live.env, "sites", "create", "--name", "Other", "--origin", live.url, "--json")
    live.extra["other"] = json.loads(out.stdout)
    run_cli(
        live.env, "users", "create", "--email", "agent@example.com",
        "--password", "agent password 1", "--role", "agent",
    )  # fmt: skip
    live.start()
    yield live
    live.stop()


def _agent(server: LiveServer) -> tuple[str, dict[str, str]]:
    """The agent's token, given the first site only (by an admin)."""
    res = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "agent@example.com", "password": "agent password 1"},
        timeout=10,
    )
    token = res.json()["access_token"]
    me = requests.get(
        f"{server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    res = requests.put(
        f"{server.url}/api/v1/users/{me['id']}/sites",
        json={"site_ids": [server.extra["site"]["id"]]},
        headers={"Authorization": f"Bearer {admin_token(server)}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return token, {"Authorization": f"Bearer {token}"}


def test_widgets_follow_the_agents_of_their_site(server: LiveServer) -> None:
    token, headers = _agent(server)
    mine = new_visitor(server)
    assert mine["settings"]["availability"] == "away"  # nobody in the inbox
    other = new_visitor(server, site=server.extra["other"])
    visitor = visitor_socket(server, mine)
    elsewhere = visitor_socket(server, other, site=server.extra["other"])
    assert visitor.connect_error is None and elsewhere.connect_error is None
    try:
        inbox = agent_socket(server, token)  # the agent opens the inbox
        assert inbox.connect_error is None
        wait_for(lambda: visitor.received(EVENT))
        assert visitor.received(EVENT) == [{"availability": "online"}]

        # the agent chooses away, then online again
        choose = f"{server.url}/api/v1/users/me/availability"
        res = requests.put(choose, json={"status": "away"}, headers=headers, timeout=10)
        assert res.status_code == 200, res.text
        wait_for(lambda: len(visitor.received(EVENT)) == 2)
        assert visitor.received(EVENT)[-1] == {"availability": "away"}
        requests.put(choose, json={"status": "online"}, headers=headers, timeout=10)
        wait_for(lambda: len(visitor.received(EVENT)) == 3)
        assert visitor.received(EVENT)[-1] == {"availability": "online"}

        # the last inbox closes: away again, and a new session says so too
        inbox.close()
        wait_for(lambda: len(visitor.received(EVENT)) == 4)
        assert visitor.received(EVENT) == [
            {"availability": "online"},
            {"availability": "away"},
            {"availability": "online"},
            {"availability": "away"},
        ]
        assert new_visitor(server)["settings"]["availability"] == "away"
        # the other site's agents never changed: its widgets were told nothing
        assert elsewhere.received(EVENT) == []
    finally:
        visitor.close()
        elsewhere.close()

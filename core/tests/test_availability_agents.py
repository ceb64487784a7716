"""Agent availability (chinwag.availability): what the agent sets, automatic away after idle,
offline without a socket, what visitors are told, the plugin event, and two server processes
sharing Redis."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_plugin_api.events import AgentAvailabilityChanged

from chinwag import availability
from chinwag.state import state
from chinwag.testing import (
    ADMIN_PASSWORD,
    create_site,
    create_user,
    dispose,
    login,
    make_app,
)


def _events(app: Any) -> list[tuple[int, str, str, str]]:
    seen: list[tuple[int, str, str, str]] = []
    state(app).bus.subscribe(
        lambda e: seen.append((e.user_id, e.previous, e.status, e.reason)),
        names=(AgentAvailabilityChanged.name,),
    )
    return seen


def _session(client: Any, site_key: str) -> dict[str, Any]:
    res = client.post(
        "/api/v1/widget/session",
        json={"site_key": site_key},
        headers={"Origin": "https://shop.example"},
    )
    assert res.status_code == 200, res.get_json()
    return dict(res.get_json()["settings"])


def _give_site(client: Any, admin_token: str, user_id: int, site_id: int) -> None:
    res = client.put(
        f"/api/v1/users/{user_id}/sites",
        json={"site_ids": [site_id]},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200, res.get_json()


def test_set_idle_and_offline(
    clock, chinwag_app, chinwag_client, agent_client, admin_token, demo_site
):
    seen = _events(chinwag_app)
    # nobody in the inbox: visitors are told the team is away
    assert _session(chinwag_client, demo_site["site_key"])["availability"] == "away"

    agent = agent_client("agent")
    me = chinwag_client.get("/api/v1/auth/me", headers=agent.headers).get_json()
    _give_site(chinwag_client, admin_token, me["id"], demo_site["id"])
    mine = lambda: chinwag_client.get("/api/v1/users/me/availability", headers=agent.headers)  # noqa: E731
    assert mine().get_json() == {"status": "online", "choice": "online", "idle": False}
    assert _session(chinwag_client, demo_site["site_key"])["availability"] == "online"

    # the agent chooses away, then online again
    res = chinwag_client.put(
        "/api/v1/users/me/availability", json={"status": "away"}, headers=agent.headers
    )
    assert res.get_json() == {"status": "away", "choice": "away", "idle": False}
    assert _session(chinwag_client, demo_site["site_key"])["availability"] == "away"
    chinwag_client.put(
        "/api/v1/users/me/availability", json={"status": "online"}, headers=agent.headers
    )

    # ten idle minutes: automatic away (the background sweep publishes it)
    clock.advance(minutes=9)
    availability.sweep(chinwag_app)
    assert mine().get_json()["status"] == "online"
    clock.advance(minutes=1)
    availability.sweep(chinwag_app)
    assert mine().get_json() == {"status": "away", "choice": "online", "idle": True}
    assert _session(chinwag_client, demo_site["site_key"])["availability"] == "away"

    # any activity ends an automatic away at once
    assert (
        chinwag_client.post("/api/v1/users/me/activity", headers=agent.headers).status_code == 204
    )
    assert mine().get_json()["status"] == "online"

    # closing the last inbox: offline
    agent.close()
    statuses = chinwag_client.get("/api/v1/users/availability", headers=agent.headers).get_json()
    assert {"user_id": me["id"], "status": "offline"} in statuses

    uid = me["id"]
    state(chinwag_app).bus.wait_idle()
    assert [s for s in seen if s[0] == uid] == [
        (uid, "offline", "online", "connected"),
        (uid, "online", "away", "set"),
        (uid, "away", "online", "set"),
        (uid, "online", "away", "idle"),
        (uid, "away", "online", "active"),
        (uid, "online", "offline", "disconnected"),
    ]


def test_only_agents_who_see_the_site_count(chinwag_app, chinwag_client, agent_client, admin_token):
    shop = create_site(chinwag_app, "Shop")
    other = create_site(chinwag_app, "Other", ("https://shop.example",))
    agent = agent_client("agent")
    me = chinwag_client.get("/api/v1/auth/me", headers=agent.headers).get_json()
    _give_site(chinwag_client, admin_token, me["id"], shop["id"])
    assert _session(chinwag_client, shop["site_key"])["availability"] == "online"
    assert _session(chinwag_client, other["site_key"])["availability"] == "away"


def test_availability_input_is_validated(chinwag_client, agent_client):
    agent = agent_client("agent")
    res = chinwag_client.put(
        "/api/v1/users/me/availability", json={"status": "offline"}, headers=agent.headers
    )
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == "validation_error"
    res = chinwag_client.put(
        "/api/v1/users/me/availability", json={"status": "away", "x": 1}, headers=agent.headers
    )
    assert res.status_code == 400
    assert chinwag_client.get("/api/v1/users/me/availability").status_code == 401


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_processes_share_availability(clock, tmp_path, redis_url, redis_channel, database_url):
    """Two apps on one database and one Redis: an agent connected to the first is seen by the
    second; the idle transition is published once across both. (Flask-SocketIO's test client
    refuses a Redis message queue, so the apps get the Redis store that ``CHINWAG_REDIS_URL``
    would give them, and no queue.)"""
    first = make_app(tmp_path / "a", database_url)
    second = make_app(tmp_path / "b", database_url, revision=None)
    for app in (first, second):
        state(app).extras["chinwag.availability"] = availability.RedisStore(
            redis_url, redis_channel
        )
    try:
        site = create_site(first, "Shop")
        create_user(first, "amy@example.com", ADMIN_PASSWORD, "admin")  # sees every site
        token = login(first.test_client(), "amy@example.com", ADMIN_PASSWORD)
        seen_first, seen_second = _events(first), _events(second)
        sock = state(first).server().test_client(first, namespace="/agent", auth={"token": token})
        assert sock.is_connected("/agent")
        assert _session(second.test_client(), site["site_key"])["availability"] == "online"
        headers = {"Authorization": f"Bearer {token}"}
        res = second.test_client().put(
            "/api/v1/users/me/availability", json={"status": "away"}, headers=headers
        )
        assert res.get_json()["status"] == "away"
        assert _session(first.test_client(), site["site_key"])["availability"] == "away"
        second.test_client().put(
            "/api/v1/users/me/availability", json={"status": "online"}, headers=headers
        )

        clock.advance(minutes=10)
        availability.sweep(first)
        availability.sweep(second)
        state(first).bus.wait_idle()
        state(second).bus.wait_idle()
        idle = [e for e in seen_first + seen_second if e[3] == "idle"]
        assert len(idle) == 1
        assert _session(second.test_client(), site["site_key"])["availability"] == "away"
        sock.disconnect(namespace="/agent")
    finally:
        dispose(first)
        dispose(second)


def test_a_disabled_agent_goes_offline(chinwag_app, chinwag_client, agent_client, admin_token):
    """Disabling drops the agent's sockets (chinwag.revocation) before they close: offline."""
    agent = agent_client("agent")
    me = chinwag_client.get("/api/v1/auth/me", headers=agent.headers).get_json()
    with chinwag_app.app_context():
        assert availability.status(me["id"]) == "online"
    res = chinwag_client.patch(
        f"/api/v1/users/{me['id']}",
        json={"disabled": True},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 200
    with chinwag_app.app_context():
        assert availability.status(me["id"]) == "offline"

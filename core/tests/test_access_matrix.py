"""Teams and scoping (issue 15): one authorisation matrix over every way to reach a conversation.

Two sites, two teams (Alpha: site A and agent ``alpha``; Beta: site B and agent ``beta``), an
admin. Every REST endpoint and ``/agent`` event that names a conversation is tried by each role
on each site's conversation: the admin reaches both, an agent only their team's, and the other
site's answers ``not_found`` exactly like a conversation that does not exist. Lists, search, the
inbox log and the live fan-out show each agent only their sites.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from chinwag import events as ev
from chinwag.testing import (
    ADMIN_PASSWORD,
    AgentClient,
    VisitorClient,
    create_site,
    create_user,
    login,
)

ROLES = ("admin", "alpha", "beta")
#: who reaches site A's conversation ("a") and site B's ("b")
SEES = {"admin": {"a", "b"}, "alpha": {"a"}, "beta": {"b"}}


@dataclass
class World:
    app: Flask
    http: FlaskClient
    tokens: dict[str, str]
    user_ids: dict[str, int]
    conv: dict[str, int]
    visitor: dict[str, int]
    sites: dict[str, int]
    teams: dict[str, int]
    sockets: dict[str, AgentClient] = field(default_factory=dict)
    visitors: dict[str, VisitorClient] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def _visitor(http: FlaskClient, socket_client: Any, site: dict[str, Any], origin: str) -> Any:
    res = http.post(
        "/api/v1/widget/session", json={"site_key": site["site_key"]}, headers={"Origin": origin}
    )
    assert res.status_code == 200, res.get_json()
    session = res.get_json()
    auth = {"site_key": site["site_key"], "visitor_token": session["visitor_token"]}
    return VisitorClient(socket_client("/widget", auth), session)


@pytest.fixture
def world(
    chinwag_app: Flask, chinwag_client: FlaskClient, socket_client: Callable[..., Any]
) -> Any:
    site_a = create_site(chinwag_app, "Site A", ("https://a.example",))
    site_b = create_site(chinwag_app, "Site B", ("https://b.example",))
    tokens, ids = {}, {}
    for role in ROLES:
        email = f"{role}-{uuid.uuid4().hex[:6]}@example.com"
        ids[role] = create_user(
            chinwag_app, email, ADMIN_PASSWORD, "admin" if role == "admin" else "agent"
        )
        tokens[role] = login(chinwag_client, email, ADMIN_PASSWORD)
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    teams = {}
    for name, site, role in (("Alpha", site_a, "alpha"), ("Beta", site_b, "beta")):
        res = chinwag_client.post(
            "/api/v1/teams",
            json={"name": name, "site_ids": [site["id"]], "user_ids": [ids[role]]},
            headers=admin,
        )
        assert res.status_code == 201, res.get_json()
        teams[name] = res.get_json()["id"]
    w = World(
        chinwag_app,
        chinwag_client,
        tokens,
        ids,
        {},
        {},
        {"a": site_a["id"], "b": site_b["id"]},
        teams,
    )
    for key, site, origin in (
        ("a", site_a, "https://a.example"),
        ("b", site_b, "https://b.example"),
    ):
        visitor = _visitor(chinwag_client, socket_client, site, origin)
        ack = visitor.send(f"hello from site {key}")
        assert ack["ok"], ack
        w.conv[key] = ack["message"]["conversation_id"]
        w.visitor[key] = visitor.visitor_id
        w.visitors[key] = visitor
    for role in ROLES:
        w.sockets[role] = AgentClient(
            socket_client("/agent", {"token": tokens[role]}), tokens[role]
        )
    yield w
    for client in [*w.sockets.values(), *w.visitors.values()]:
        client.close()


def _rest(res: Any) -> str:
    if res.status_code < 300:
        return "ok"
    return str(res.get_json()["error"]["code"])


def _ack(ack: dict[str, Any]) -> str:
    return "ok" if ack.get("ok") else str(ack["error"]["code"])


def _future() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


Call = Callable[[World, str, str], str]

#: every way an agent names a conversation: (role, site key) -> outcome
CASES: dict[str, Call] = {
    "rest messages": lambda w, r, k: _rest(
        w.http.get(f"/api/v1/conversations/{w.conv[k]}/messages", headers=w.headers(r))
    ),
    "rest notes": lambda w, r, k: _rest(
        w.http.get(f"/api/v1/inbox/conversations/{w.conv[k]}/notes", headers=w.headers(r))
    ),
    "rest add note": lambda w, r, k: _rest(
        w.http.post(
            f"/api/v1/inbox/conversations/{w.conv[k]}/notes",
            json={"text": "internal"},
            headers=w.headers(r),
        )
    ),
    "rest labels": lambda w, r, k: _rest(
        w.http.put(
            f"/api/v1/inbox/conversations/{w.conv[k]}/labels",
            json={"labels": ["vip"]},
            headers=w.headers(r),
        )
    ),
    "rest snooze": lambda w, r, k: _rest(
        w.http.put(
            f"/api/v1/inbox/conversations/{w.conv[k]}/snooze",
            json={"until": _future()},
            headers=w.headers(r),
        )
    ),
    "rest annotations": lambda w, r, k: _rest(
        w.http.get(f"/api/v1/inbox/conversations/{w.conv[k]}/annotations", headers=w.headers(r))
    ),
    "rest panels": lambda w, r, k: _rest(
        w.http.get(f"/api/v1/inbox/conversations/{w.conv[k]}/panels", headers=w.headers(r))
    ),
    "rest team": lambda w, r, k: _rest(
        w.http.put(
            f"/api/v1/inbox/conversations/{w.conv[k]}/team",
            json={"team_id": None},
            headers=w.headers(r),
        )
    ),
    "rest visitor history": lambda w, r, k: _rest(
        w.http.get(f"/api/v1/inbox/visitors/{w.visitor[k]}/conversations", headers=w.headers(r))
    ),
    "socket sync": lambda w, r, k: _ack(
        w.sockets[r].emit(ev.CONVERSATION_SYNC, {"conversation_id": w.conv[k], "after_seq": 0})
    ),
    "socket send": lambda w, r, k: _ack(w.sockets[r].send("a reply", conversation_id=w.conv[k])),
    "socket assign": lambda w, r, k: _ack(
        w.sockets[r].emit(
            ev.CONVERSATION_ASSIGN, {"conversation_id": w.conv[k], "user_id": w.user_ids[r]}
        )
    ),
    "socket close": lambda w, r, k: _ack(
        w.sockets[r].emit(ev.CONVERSATION_CLOSE, {"conversation_id": w.conv[k]})
    ),
    "socket reopen": lambda w, r, k: _ack(
        w.sockets[r].emit(ev.CONVERSATION_REOPEN, {"conversation_id": w.conv[k]})
    ),
    "socket typing": lambda w, r, k: _ack(
        w.sockets[r].emit(ev.TYPING_SET, {"conversation_id": w.conv[k], "typing": True})
    ),
    "socket read": lambda w, r, k: _ack(
        w.sockets[r].emit(ev.CONVERSATION_READ_SET, {"conversation_id": w.conv[k], "seq": 1})
    ),
}


#: mutating cases last, in an order each leaves the conversation usable by the next
ORDER = sorted(CASES, key=lambda c: (c.startswith("socket") and c != "socket sync", c))
ORDER.remove("socket reopen")
ORDER.append("socket reopen")  # after close


def test_the_authorisation_matrix(world: World) -> None:
    """Roles x every endpoint and event naming a conversation x both sites' conversations, as
    one table (a failure shows every cell that differs); then privacy exports, admin-only."""
    seen = {
        (case, role, key): CASES[case](world, role, key)
        for case in ORDER
        for role in ROLES
        for key in "ab"
    }
    expected = {
        (case, role, key): "ok" if key in SEES[role] else "not_found"
        for case in ORDER
        for role in ROLES
        for key in "ab"
    }
    assert {k: v for k, v in seen.items() if v != expected[k]} == {}
    # out of scope answers exactly like a conversation that does not exist
    world.conv["missing"] = world.visitor["missing"] = 10**6
    missing = {case: CASES[case](world, "admin", "missing") for case in ORDER}
    assert set(missing.values()) == {"not_found"}, missing
    exports = {
        role: _rest(
            world.http.get(
                f"/api/v1/visitors/{world.visitor['b']}/export", headers=world.headers(role)
            )
        )
        for role in ROLES
    }
    assert exports == {"admin": "ok", "alpha": "forbidden", "beta": "forbidden"}


def _ids(rows: list[dict[str, Any]]) -> set[int]:
    return {r["id"] for r in rows}


LISTS: dict[str, Callable[[World, str], set[int]]] = {
    "inbox list": lambda w, r: _ids(
        w.http.get("/api/v1/inbox/conversations", headers=w.headers(r)).get_json()
    ),
    "conversations list": lambda w, r: _ids(
        w.http.get("/api/v1/conversations", headers=w.headers(r)).get_json()
    ),
    "search": lambda w, r: _ids(
        w.http.get("/api/v1/inbox/conversations?q=hello", headers=w.headers(r)).get_json()
    ),
    "inbox.sync": lambda w, r: {
        e["conversation_id"]
        for e in w.sockets[r].emit(ev.INBOX_SYNC, {"after_event_id": 0})["events"]
    },
}


def test_lists_search_labels_and_the_inbox_log_show_only_the_agents_sites(world: World) -> None:
    seen = {(name, role): LISTS[name](world, role) for name in LISTS for role in ROLES}
    assert seen == {
        (name, role): {world.conv[k] for k in SEES[role]} for name in LISTS for role in ROLES
    }
    res = world.http.put(
        f"/api/v1/inbox/conversations/{world.conv['b']}/labels",
        json={"labels": ["beta-only"]},
        headers=world.headers("admin"),
    )
    assert res.status_code == 200
    labels = {
        r: world.http.get("/api/v1/inbox/labels", headers=world.headers(r)).get_json()["labels"]
        for r in ROLES
    }
    assert labels == {"admin": ["beta-only"], "alpha": [], "beta": ["beta-only"]}
    # the team filter
    res = world.http.put(
        f"/api/v1/inbox/conversations/{world.conv['b']}/team",
        json={"team_id": world.teams["Beta"]},
        headers=world.headers("beta"),
    )
    assert res.status_code == 200 and res.get_json()["team_id"] == world.teams["Beta"]
    rows = world.http.get(
        f"/api/v1/inbox/conversations?team_id={world.teams['Beta']}", headers=world.headers("admin")
    ).get_json()
    assert _ids(rows) == {world.conv["b"]} and rows[0]["team_id"] == world.teams["Beta"]


def _got(sock: AgentClient, conv_id: int, text: str) -> bool:
    return any(
        m["conversation_id"] == conv_id and m["text"] == text for m in sock.messages("visitor")
    )


def test_agent_events_go_only_to_agents_who_may_see_the_conversation(world: World) -> None:
    for key in "ab":
        assert world.visitors[key].send(f"live {key}")["ok"]
    for role in ROLES:
        for key in "ab":
            got = _got(world.sockets[role], world.conv[key], f"live {key}")
            assert got == (key in SEES[role]), (role, key)
    # typing goes the same way
    assert world.visitors["b"].emit(
        ev.TYPING_SET, {"conversation_id": world.conv["b"], "typing": True}
    )["ok"]
    typing = {r: world.sockets[r].events(ev.TYPING_UPDATE) for r in ROLES}
    assert [bool(typing[r]) for r in ROLES] == [True, False, True]


def test_a_membership_change_moves_open_sockets_at_once(world: World) -> None:
    alpha = world.sockets["alpha"]
    res = world.http.put(
        f"/api/v1/teams/{world.teams['Beta']}/members",
        json={"user_ids": [world.user_ids["beta"], world.user_ids["alpha"]]},
        headers=world.headers("admin"),
    )
    assert res.status_code == 200, res.get_json()
    assert world.visitors["b"].send("now alpha sees b")["ok"]
    assert _got(alpha, world.conv["b"], "now alpha sees b")
    # and alpha's events on it are allowed now
    assert (
        _ack(alpha.emit(ev.CONVERSATION_SYNC, {"conversation_id": world.conv["b"], "after_seq": 0}))
        == "ok"
    )
    # the team loses site B: alpha and beta stop getting it (beta keeps nothing else)
    res = world.http.put(
        f"/api/v1/teams/{world.teams['Beta']}/sites",
        json={"site_ids": []},
        headers=world.headers("admin"),
    )
    assert res.status_code == 200
    assert world.visitors["b"].send("nobody but the admin")["ok"]
    assert not _got(alpha, world.conv["b"], "nobody but the admin")
    assert not _got(world.sockets["beta"], world.conv["b"], "nobody but the admin")
    assert _got(world.sockets["admin"], world.conv["b"], "nobody but the admin")
    assert _ack(
        alpha.emit(ev.CONVERSATION_SYNC, {"conversation_id": world.conv["b"], "after_seq": 0})
    ) == ("not_found")


def test_direct_sites_and_the_unscoped_rule(world: World, chinwag_app: Flask) -> None:
    """An agent on no team and no site sees every site while CHINWAG_UNSCOPED_AGENTS=all (the
    default: installs from before teams keep working), nothing with ``none``; a direct site
    scopes them."""
    http, admin = world.http, world.headers("admin")
    email = f"loner-{uuid.uuid4().hex[:6]}@example.com"
    loner = create_user(chinwag_app, email, ADMIN_PASSWORD, "agent")
    token = {"Authorization": f"Bearer {login(http, email, ADMIN_PASSWORD)}"}

    def sees() -> set[int]:
        return _ids(http.get("/api/v1/inbox/conversations", headers=token).get_json())

    assert sees() == set(world.conv.values())
    chinwag_app.config["CHINWAG_UNSCOPED_AGENTS"] = "none"
    assert sees() == set()
    chinwag_app.config["CHINWAG_UNSCOPED_AGENTS"] = "all"
    res = http.put(
        f"/api/v1/users/{loner}/sites", json={"site_ids": [world.sites["b"]]}, headers=admin
    )
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["visible_site_ids"] == [world.sites["b"]]
    assert sees() == {world.conv["b"]}
    access = http.get(f"/api/v1/users/{loner}/access", headers=token).get_json()
    assert access["site_ids"] == [world.sites["b"]] and access["all_sites"] is False
    # an agent cannot read another's access
    other = http.get(f"/api/v1/users/{world.user_ids['beta']}/access", headers=token)
    assert _rest(other) == "not_found"


def test_assigning_to_an_agent_who_cannot_see_the_site_is_refused(world: World) -> None:
    ack = world.sockets["admin"].emit(
        ev.CONVERSATION_ASSIGN,
        {"conversation_id": world.conv["a"], "user_id": world.user_ids["beta"]},
    )
    assert _ack(ack) == "assignee_out_of_scope"
    ack = world.sockets["admin"].emit(
        ev.CONVERSATION_ASSIGN,
        {"conversation_id": world.conv["a"], "user_id": world.user_ids["alpha"]},
    )
    assert _ack(ack) == "ok"


def test_a_users_teams_are_set_in_one_request(world: World) -> None:
    """``PUT /api/v1/users/{id}/teams``: every team at once (the Users page), validated, one
    audit entry, the user's open socket moved at once; admins only."""
    http, admin, alpha = world.http, world.headers("admin"), world.user_ids["alpha"]
    both = sorted(world.teams.values())
    res = http.put(f"/api/v1/users/{alpha}/teams", json={"team_ids": both}, headers=admin)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["team_ids"] == both and body["visible_site_ids"] == sorted(world.sites.values())
    for team_id in both:  # the teams say so too
        team = http.get(f"/api/v1/teams/{team_id}", headers=admin).get_json()
        assert alpha in team["user_ids"]
    assert world.visitors["b"].send("alpha is on Beta now")["ok"]
    assert _got(world.sockets["alpha"], world.conv["b"], "alpha is on Beta now")

    entries = http.get(
        "/api/v1/audit", query_string={"action": "user.teams"}, headers=admin
    ).get_json()["entries"]
    assert len(entries) == 1 and entries[0]["target_id"] == str(alpha)
    assert entries[0]["details"]["team_ids"] == both

    # nothing stored by a refused request
    for payload, status, code in (
        ({"team_ids": [world.teams["Beta"], 10**6]}, 409, "unknown_team"),
        ({"team_ids": ["Beta"]}, 400, "validation_error"),
        ({"team_ids": [0]}, 400, "validation_error"),
        ({}, 400, "validation_error"),
        ({"team_ids": [], "site_ids": []}, 400, "validation_error"),
        ([world.teams["Beta"]], 400, "invalid_json"),  # not an object
    ):
        res = http.put(f"/api/v1/users/{alpha}/teams", json=payload, headers=admin)
        assert (res.status_code, res.get_json()["error"]["code"]) == (status, code), payload
    res = http.put("/api/v1/users/999999/teams", json={"team_ids": []}, headers=admin)
    assert (res.status_code, res.get_json()["error"]["code"]) == (404, "not_found")
    for role in ("alpha", "beta"):
        res = http.put(
            f"/api/v1/users/{alpha}/teams", json={"team_ids": []}, headers=world.headers(role)
        )
        assert res.status_code == 403, res.get_json()
    assert http.get(f"/api/v1/users/{alpha}/access", headers=admin).get_json()["team_ids"] == both

    # an empty list takes every team away (duplicates count once)
    res = http.put(
        f"/api/v1/users/{alpha}/teams",
        json={"team_ids": [world.teams["Alpha"], world.teams["Alpha"]]},
        headers=admin,
    )
    assert res.get_json()["team_ids"] == [world.teams["Alpha"]]
    res = http.put(f"/api/v1/users/{alpha}/teams", json={"team_ids": []}, headers=admin)
    assert res.status_code == 200 and res.get_json()["team_ids"] == []
    beta_team = http.get(f"/api/v1/teams/{world.teams['Beta']}", headers=admin).get_json()
    assert beta_team["user_ids"] == [world.user_ids["beta"]]

    # in the OpenAPI document, with its body
    doc = http.get("/api/v1/openapi.json").get_json()
    put = doc["paths"]["/api/v1/users/{user_id}/teams"]["put"]
    assert "TeamIds" in str(put["requestBody"]), put
